// openapi.yaml as other tools parse it: YAML 1.1 parsers (Dredd's stopped at an unquoted `about:blank`
// inside `{ … }`), generators that name types after components (hey-api emitted TaskCreate2 when a request
// body shared a schema's name), and generators that turn `int64` into BigInt or a `default:` into a
// required field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadSpec } from '../../src/contract/spec.js';

const spec = loadSpec();
const components = spec.document.components as Record<string, Record<string, unknown>>;

/** Every schema object reachable under `node`, with its JSON Pointer. */
function* schemas(node: unknown, pointer = ''): Generator<[string, Record<string, unknown>]> {
  if (!node || typeof node !== 'object') return;
  if (!Array.isArray(node)) yield [pointer, node as Record<string, unknown>];
  for (const [key, value] of Object.entries(node)) yield* schemas(value, `${pointer}/${key}`);
}

describe('openapi.yaml for other tools', () => {
  it('when it is read as YAML 1.1, then it is the same document, and no plain scalar with a colon sits in a flow mapping', () => {
    assert.deepEqual(parse(spec.yaml, { version: '1.1' }), spec.document);
    // Dredd's YAML 1.1 parser stopped at `{ type: about:blank, … }`: such values are quoted.
    const unquoted = spec.yaml.split('\n').filter((line) => /[{,]\s*[\w-]+:\s*[a-z]+:[^\s'"]/.test(line));
    assert.deepEqual(unquoted, []);
  });

  it('when generators name types after components, then no request body shares a name with a schema', () => {
    const shared = Object.keys(components.requestBodies ?? {}).filter((name) => name in (components.schemas ?? {}));
    assert.deepEqual(shared, []);
  });

  it('when generators read integers and defaults, then nothing is int64 and no request body schema has a default', () => {
    assert.deepEqual([...schemas(spec.document)].filter(([, s]) => s.format === 'int64').map(([p]) => p), []);
    const requestSchemas = ['TaskCreate', 'TaskPatch', 'TaskUpdate', 'TaskCompletion'].map((name) => components.schemas![name]);
    assert.deepEqual([...schemas(requestSchemas)].filter(([, s]) => 'default' in s).map(([p]) => p), []);
  });

  it('when generators name enums, then each is a named schema (not ComponentsParametersStatus or the like)', () => {
    const named = new Set(Object.keys(components.schemas ?? {}).map((name) => `/components/schemas/${name}`));
    const inline = [...schemas(spec.document)].filter(([pointer, s]) => Array.isArray(s.enum) && !named.has(pointer)).map(([p]) => p);
    assert.deepEqual(inline, []);
  });

  it('when generators read the event stream, then each event type is a schema whose fields are required, ready with its cursor', () => {
    const stream = components.schemas!.TaskStreamEvent as { oneOf?: Array<{ $ref: string }>; discriminator?: { propertyName: string; mapping: Record<string, string> } };
    assert.equal(stream?.discriminator?.propertyName, 'event');
    const mapping = stream.discriminator.mapping;
    assert.deepEqual(Object.keys(mapping).sort(), ['ready', 'resync', 'task.created', 'task.deleted', 'task.updated', 'token-expired']);
    assert.deepEqual(stream.oneOf?.map((s) => s.$ref).sort(), Object.values(mapping).sort());
    const resolve = (ref: string) => components.schemas![ref.split('/').pop()!] as { required?: string[]; properties: Record<string, { const?: string; $ref?: string }> };
    for (const [event, ref] of Object.entries(mapping)) {
      const schema = resolve(ref);
      assert.equal(schema.properties.event?.const, event);
      assert.deepEqual(schema.required, event === 'token-expired' ? ['event', 'data'] : ['event', 'id', 'data'], event);
      const data = resolve(schema.properties.data!.$ref!);
      assert.deepEqual(data.required?.sort(), Object.keys(data.properties).sort(), `every field of ${event}'s data is required`);
    }
    assert.deepEqual(resolve(mapping.ready!).properties.data, { $ref: '#/components/schemas/StreamReady' });
    assert.deepEqual(resolve('#/components/schemas/StreamReady').required, ['cursor']);
  });

  it('when the document is served from any host, then its only server is relative', () => {
    assert.deepEqual((spec.document.servers as Array<{ url: string }>).map((s) => s.url), ['/']);
  });
});
