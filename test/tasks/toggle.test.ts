import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, startTestApp, type TestApp } from '../helpers.js';
import { underEachScope } from './scopes.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

underEachScope((scope) => {
  it('when PATCH /complete has no body, then it toggles, and with a body it sets', async () => {
    const user = await newUser();
    const { body: task } = await app.request('POST', scope(user), { token: user.token, body: { title: 'Toggle me' } });
    const path = `${scope(user)}/${task.id}/complete`;
    const on = await app.request('PATCH', path, { token: user.token });
    assert.equal(on.status, 200);
    assert.equal(on.body.completed, true);
    assert.ok(on.body.completed_at);
    const off = await app.request('PATCH', path, { token: user.token, body: '', headers: { 'content-type': 'application/json' } });
    assert.equal(off.body.completed, false, 'an empty body toggles too');
    assert.equal(off.body.completed_at, null);
    const set = await app.request('PATCH', path, { token: user.token, body: { completed: true } });
    assert.equal(set.body.completed, true);
    const setAgain = await app.request('PATCH', path, { token: user.token, body: { completed: true } });
    assert.equal(setAgain.body.completed, true, 'setting is idempotent');
    for (const bad of [{}, null, { completed: 'yes' }, { completed: true, extra: 1 }]) {
      const res = await app.request('PATCH', path, { token: user.token, body: JSON.stringify(bad), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, `body ${JSON.stringify(bad)}`);
    }
  });
});

describe('concurrency', () => {
  it('when many toggles run at once, then none is lost', async () => {
    const user = await newUser();
    const { body: task } = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Flip' } });
    const flips = 25;
    const results = await Promise.all(
      Array.from({ length: flips }, () => app.request('PATCH', `/api/tasks/${task.id}/complete`, { token: user.token })),
    );
    assert.ok(results.every((r) => r.status === 200));
    const final = await app.request('GET', `/api/tasks/${task.id}`, { token: user.token });
    assert.equal(final.body.completed, flips % 2 === 1);
    assert.equal(results.filter((r) => r.body.completed).length, Math.ceil(flips / 2), 'each flip saw a distinct state');
  });
});
