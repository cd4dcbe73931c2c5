// What openapi.yaml declares, dereferenced, and a check that a response matches its declaration: the status
// is declared, the media type is declared, the body matches its schema, required headers are present and valid.
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { loadSpec } from '../../src/contract/spec.js';
import type { TestResponse } from '../helpers.js';

export interface MediaObject { schema?: object }
export interface ResponseObject { content?: Record<string, MediaObject>; headers?: Record<string, { required?: boolean; schema?: object }> }
export interface ParameterObject { name: string; in: string; required?: boolean; schema?: JsonSchema }
export interface OperationObject {
  operationId: string;
  method: string;
  path: string;
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content: Record<string, MediaObject> };
  responses: Record<string, ResponseObject>;
  security?: unknown[];
}
export type JsonSchema = Record<string, unknown>;

const spec = loadSpec();
const router = new OpenAPIBackend({ definition: structuredClone(spec.document) as unknown as Document, strict: true });
router.validateDefinition = () => router.document;
await router.init();
/** Every operation, dereferenced, with its method and path template. */
export const operations = router.getOperations() as unknown as OperationObject[];
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

export function assertMatchesDeclaration(declared: ResponseObject, res: TestResponse) {
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (!declared.content) {
    assert.equal(res.text, '', 'a response declared without content has an empty body');
  } else {
    const media = declared.content[mediaType];
    assert.ok(media, `media type ${mediaType || '(none)'} is declared (${Object.keys(declared.content).join(', ')})`);
    const value = /json/.test(mediaType) ? res.body : res.text;
    if (media.schema) {
      const validate = ajv.compile(media.schema);
      assert.ok(validate(value), `body matches the schema: ${ajv.errorsText(validate.errors)}\n${res.text.slice(0, 500)}`);
    }
  }
  for (const [name, header] of Object.entries(declared.headers ?? {})) {
    const value = res.headers.get(name);
    if (header.required) assert.ok(value !== null, `required header ${name} is present`);
    if (value !== null && header.schema) {
      const typed = (header.schema as { type?: string }).type === 'integer' ? Number(value) : value;
      assert.ok(ajv.validate(header.schema, typed), `header ${name}: ${value} matches its schema`);
    }
  }
}

