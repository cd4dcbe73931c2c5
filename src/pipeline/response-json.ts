// JSON for a success response, written by a function compiled once from the response's schema in
// openapi.yaml (as fastify does with fast-json-stringify): the keys and their order are known beforehand,
// so each object is written without the generic walk JSON.stringify makes over every key of every row.
// Only what the schema says closely enough is compiled (closed objects of known properties, arrays of
// them, strings, numbers, booleans, nullable ones); any other schema keeps JSON.stringify.
import type { Operation } from 'openapi-backend';

type Write = (value: unknown) => string;
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  [keyword: string]: unknown;
}

// A string that needs no escaping is quoted as is: no control character, quote, backslash or surrogate
// (JSON.stringify escapes a lone one, so any surrogate takes the slow way).
const PLAIN = /^[^\u0000-\u001f"\\\ud800-\udfff]*$/; // eslint-disable-line no-control-regex
const generic: Write = (value) => JSON.stringify(value) ?? 'null';

const writeString: Write = (value) => (typeof value === 'string' && PLAIN.test(value) ? `"${value}"` : generic(value));
const writeNumber: Write = (value) => (typeof value === 'number' && Number.isFinite(value) ? `${value}` : generic(value));
const writeBoolean: Write = (value) => (value === true ? 'true' : value === false ? 'false' : generic(value));

function typesOf(schema: Schema): string[] | undefined {
  if (schema.type === undefined) return schema.enum?.every((v) => typeof v === 'string') ? ['string'] : undefined;
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** The writer of values of `schema`, or undefined when the schema says too little (or too much) to compile. */
export function compileJson(schema: Schema): Write | undefined {
  if (['oneOf', 'anyOf', 'allOf', 'not', 'if', '$ref'].some((keyword) => keyword in schema)) return undefined;
  const types = typesOf(schema);
  if (!types) return undefined;
  const nullable = types.includes('null');
  const rest = types.filter((t) => t !== 'null');
  if (rest.length !== 1) return undefined;
  const write = compileType(rest[0]!, schema);
  if (!write || !nullable) return write;
  return (value) => (value === null ? 'null' : write(value));
}

function compileType(type: string, schema: Schema): Write | undefined {
  switch (type) {
    case 'string': return writeString;
    case 'integer': case 'number': return writeNumber;
    case 'boolean': return writeBoolean;
    case 'array': {
      const item = schema.items && compileJson(schema.items);
      if (!item) return undefined;
      return (value) => {
        if (!Array.isArray(value)) return generic(value);
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + item(value[i]);
        return `${out}]`;
      };
    }
    case 'object': return compileObject(schema);
    default: return undefined;
  }
}

/** A closed object whose properties are all required: each written in the schema's order. */
function compileObject(schema: Schema): Write | undefined {
  const names = Object.keys(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  if (schema.additionalProperties !== false || names.length === 0 || !names.every((name) => required.has(name))) return undefined;
  const writers: Write[] = [];
  for (const name of names) {
    const write = compileJson(schema.properties![name]!);
    if (!write) return undefined;
    writers.push(write);
  }
  const keys = names.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return generic(value);
    const object = value as Record<string, unknown>;
    let out = '';
    for (let i = 0; i < names.length; i++) out += keys[i]! + writers[i]!(object[names[i]!]);
    return `${out}}`;
  };
}

const compiled = new WeakMap<Operation, Map<number, Write>>();

/** The JSON text of `body` as the response of `operation` with `status`; compiled on first use. */
export function responseJson(operation: Operation, status: number, body: unknown): string {
  let byStatus = compiled.get(operation);
  if (!byStatus) compiled.set(operation, (byStatus = new Map<number, Write>()));
  let write = byStatus.get(status);
  if (!write) {
    const response = operation.responses?.[status] as { content?: Record<string, { schema?: Schema }> } | undefined;
    const schema = response?.content?.['application/json']?.schema;
    byStatus.set(status, (write = (schema && compileJson(schema)) || generic));
  }
  return write(body);
}
