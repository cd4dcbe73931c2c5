import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dereference } from '@apidevtools/json-schema-ref-parser';
import fc from 'fast-check';
import type { Operation } from 'openapi-backend';
import { loadSpec } from '../../src/contract/spec.js';
import { jsonWriter } from '../../src/pipeline/dispatch.js';

interface Document {
  paths: Record<string, Record<string, Operation>>;
}
const document = await dereference<Document>(structuredClone(loadSpec().document) as unknown as Document);
const writerOf = (path: string, method: string, status: number) => jsonWriter(document.paths[path]![method]!, status);

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

describe('a success response as JSON', () => {
  it('when a page of tasks or one task is written, then the writer compiled from openapi.yaml writes what JSON.stringify does', () => {
    const page = writerOf('/api/tasks', 'get', 200);
    const one = writerOf('/api/tasks/{id}', 'get', 200);
    fc.assert(fc.property(fc.array(task, { maxLength: 5 }), (tasks) => {
      assert.equal(page(tasks), JSON.stringify(tasks));
      for (const t of tasks) assert.equal(one(t), JSON.stringify(t));
    }), { numRuns: 1000 });
  });

  it('when a schema is open (the contract served as JSON), then every property is written', () => {
    const spec = loadSpec().document;
    assert.deepEqual(JSON.parse(writerOf('/openapi.json', 'get', 200)(spec)), spec);
  });
});
