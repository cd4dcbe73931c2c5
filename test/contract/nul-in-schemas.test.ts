// U+0000 is refused wherever a client's text is stored or searched (PostgreSQL text cannot hold it), and the
// schemas say so: a tool that generates input from the contract never produces a value the server refuses
// for a reason the contract does not state.
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { after, before, describe, it } from 'node:test';
import { newUser, startTestApp, type TestApp } from '../helpers.js';
import { operations, type JsonSchema } from './declared.js';

let app: TestApp;
let user: { id: string; token: string };
before(async () => {
  app = await startTestApp();
  user = await newUser();
});
after(() => app.close());

const ajv = new Ajv2020({ strict: false });
addFormats.default(ajv);
const operation = (id: string) => operations.find((o) => o.operationId === id)!;
const query = (name: string) => operation('listTasks').parameters!.find((p) => p.in === 'query' && p.name === name)!.schema!;
const body = operation('createTask').requestBody!.content['application/json']!.schema as JsonSchema & { properties: Record<string, JsonSchema> };

const cases: Array<{ what: string; schema: () => JsonSchema; valid: unknown; withNul: unknown; send: (value: unknown) => Promise<{ status: number }> }> = [
  { what: 'q', schema: () => query('q'), valid: 'milk', withNul: 'mi\u0000lk', send: (v) => app.request('GET', `/api/tasks?q=${encodeURIComponent(v as string)}`, { token: user.token }) },
  { what: 'tag (query)', schema: () => query('tag'), valid: ['home'], withNul: ['ho\u0000me'], send: (v) => app.request('GET', `/api/tasks?tag=${encodeURIComponent((v as string[])[0]!)}`, { token: user.token }) },
  { what: 'title', schema: () => body.properties.title!, valid: 'Buy milk', withNul: 'Buy\u0000milk', send: (v) => app.request('POST', '/api/tasks', { token: user.token, body: { title: v } }) },
  { what: 'description', schema: () => body.properties.description!, valid: 'two litres', withNul: 'two\u0000litres', send: (v) => app.request('POST', '/api/tasks', { token: user.token, body: { title: 't', description: v } }) },
  { what: 'tags', schema: () => body.properties.tags!, valid: ['home'], withNul: ['ho\u0000me'], send: (v) => app.request('POST', '/api/tasks', { token: user.token, body: { title: 't', tags: v } }) },
];

describe('U+0000 in the schemas', () => {
  for (const { what, schema, valid, withNul, send } of cases) {
    it(`when ${what} holds U+0000, then the server answers 400 and its schema refuses it too`, async () => {
      const validate = ajv.compile(schema());
      assert.ok(validate(valid), `the schema of ${what} takes ${JSON.stringify(valid)}`);
      assert.notEqual((await send(valid)).status, 400, 'the server takes it too');
      assert.equal((await send(withNul)).status, 400);
      assert.equal(validate(withNul), false, `the schema of ${what} says U+0000 is refused`);
    });
  }
});
