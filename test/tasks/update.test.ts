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
  it('when a task is updated, then only the fields present change and updated_at moves', async () => {
    const user = await newUser();
    const created = await app.request('POST', scope(user), {
      token: user.token,
      body: { title: 'Old', description: 'keep me', tags: ['x'], priority: 'low', due_date: '2030-01-01T00:00:00Z' },
    });
    const path = `${scope(user)}/${created.body.id}`;
    const renamed = await app.request('PUT', path, { token: user.token, body: { title: ' New ' } });
    assert.equal(renamed.status, 200);
    assert.deepEqual(
      { ...renamed.body, updated_at: '' },
      { ...created.body, title: 'New', updated_at: '' },
    );
    assert.ok(renamed.body.updated_at > created.body.updated_at);

    const cleared = await app.request('PUT', path, { token: user.token, body: { description: null, due_date: null, tags: [] } });
    assert.equal(cleared.body.description, null);
    assert.equal(cleared.body.due_date, null);
    assert.deepEqual(cleared.body.tags, []);
    assert.equal(cleared.body.priority, 'low');

    const completed = await app.request('PUT', path, { token: user.token, body: { completed: true } });
    assert.ok(completed.body.completed_at);
    const again = await app.request('PUT', path, { token: user.token, body: { completed: true } });
    assert.equal(again.body.completed_at, completed.body.completed_at, 'completing twice keeps the first completed_at');
    const reopened = await app.request('PUT', path, { token: user.token, body: { completed: false } });
    assert.equal(reopened.body.completed_at, null);
  });
});
