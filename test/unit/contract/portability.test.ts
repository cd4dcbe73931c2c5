// openapi.yaml as other tools parse it: YAML 1.1 parsers (Dredd's stopped at an unquoted `about:blank`
// inside `{ … }`), generators that name types after components (hey-api emitted TaskCreate2 when a request
// body shared a schema's name), and generators that turn `int64` into BigInt or a `default:` into a
// required field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadSpec } from '../../../src/contract/spec.js';

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

  it('when the document is served from any host, then its only server is relative', () => {
    assert.deepEqual((spec.document.servers as Array<{ url: string }>).map((s) => s.url), ['/']);
  });
});
