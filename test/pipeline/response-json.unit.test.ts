import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dereference } from '@apidevtools/json-schema-ref-parser';
import fc from 'fast-check';
import { compileJson } from '../../src/pipeline/response-json.js';
import { loadSpec } from '../../src/contract/spec.js';

type Schema = Parameters<typeof compileJson>[0];
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
}
const document = await dereference<Document>(structuredClone(loadSpec().document) as unknown as Document);
const schemaOf = (path: string, method: string, status: string) => document.paths[path]![method]!.responses[status]!.content!['application/json']!.schema;

// Any text at all, with what JSON must escape often: control characters, quotes, backslashes, lone surrogates.
const special = fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udfff', '\u2028', 'é');
const text = fc.string({ unit: fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 40 });
const task = fc.record({
  id: fc.integer({ min: 1 }),
  user_id: text,
  title: text,
  description: fc.option(text),
  completed: fc.boolean(),
  priority: fc.constantFrom('low', 'medium', 'high'),
  tags: fc.array(text, { maxLength: 5 }),
  due_date: fc.option(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
  completed_at: fc.option(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
  created_at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  updated_at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
});

describe('responseJson', () => {
  it('when a page of tasks or one task is written, then the JSON is compiled from openapi.yaml and is what JSON.stringify writes', () => {
    const page = compileJson(schemaOf('/api/tasks', 'get', '200'));
    const one = compileJson(schemaOf('/api/tasks/{id}', 'get', '200'));
    assert.ok(page && one, 'both schemas compile (neither falls back to JSON.stringify)');
    fc.assert(fc.property(fc.array(task, { maxLength: 5 }), (tasks) => {
      assert.equal(page(tasks), JSON.stringify(tasks));
      for (const t of tasks) assert.equal(one(t), JSON.stringify(t));
    }), { numRuns: 1000 });
  });

  it('when a schema says what the compiler does not follow, then it is not compiled', () => {
    assert.equal(compileJson({ oneOf: [{ type: 'string' }, { type: 'integer' }] }), undefined);
    assert.equal(compileJson({ type: 'object', properties: { a: { type: 'string' } } }), undefined, 'open object');
    assert.equal(compileJson({ type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } }), undefined, 'a property not required');
  });
});
