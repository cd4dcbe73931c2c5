// The media types an operation declares for its body are the ones it accepts: each declared one gets past the
// media-type check, and any other JSON-looking one (another operation's merge patch, a `+json` of some other
// kind) is a 415, as a schema-driven tool that sends only what is declared expects of the rest.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, startTestApp, type TestApp } from '../helpers.js';
import { operations } from './declared.js';

const UNDECLARED_CANDIDATES = ['application/json', 'application/merge-patch+json', 'application/problem+json', 'application/vnd.tasks+json'];

let app: TestApp;
let user: { id: string; token: string };
let taskId: number;
before(async () => {
  app = await startTestApp();
  user = await newUser();
  taskId = (await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Target' } })).body.id;
});
after(() => app.close());

const withBody = operations.filter((operation) => operation.requestBody);

describe('request media types', () => {
  it('when the contract is read, then some operations take a body (this file tests something)', () => {
    assert.ok(withBody.length >= 8, withBody.map((o) => o.operationId).join(', '));
  });

  for (const operation of withBody) {
    const declared = Object.keys(operation.requestBody!.content);
    const path = () => operation.path.replace('{user_id}', user.id).replace('{id}', String(taskId));
    const send = (type: string) =>
      app.request(operation.method.toUpperCase(), path(), { token: user.token, body: JSON.stringify({ completed: false }), headers: { 'content-type': type } });

    it(`${operation.operationId}: when the body is of a declared type (${declared.join(', ')}), then it is read; any other JSON type is a 415`, async () => {
      for (const type of declared) {
        const res = await send(type);
        assert.notEqual(res.status, 415, `${type} is declared: ${res.text}`);
      }
      for (const type of UNDECLARED_CANDIDATES.filter((t) => !declared.includes(t))) {
        const res = await send(type);
        assert.equal(res.status, 415, `${type} is not declared: ${res.status} ${res.text}`);
        assert.equal(res.body.title, 'Unsupported Media Type');
        assert.match(res.body.detail, new RegExp(declared.map((t) => t.replace('+', '\\+')).join(' or ')));
      }
    });
  }
});
