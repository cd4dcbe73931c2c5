import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newUser, startTestApp, type TestApp } from '../helpers.js';
import { underEachScope } from './scopes.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

underEachScope((scope) => {
  it('when a task is deleted, then it is gone and a second delete is a 404', async () => {
    const user = await newUser();
    const { body: task } = await app.request('POST', scope(user), { token: user.token, body: { title: 'Bye' } });
    const path = `${scope(user)}/${task.id}`;
    assert.equal((await app.request('DELETE', path, { token: user.token })).status, 204);
    assert.equal((await app.request('GET', path, { token: user.token })).status, 404);
    assert.equal((await app.request('DELETE', path, { token: user.token })).status, 404);
  });
});
