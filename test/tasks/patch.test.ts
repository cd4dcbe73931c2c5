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
  it('when a task is merge-patched (RFC 7396), then members present replace, null clears, absent ones stay, and {} changes nothing', async () => {
    const user = await newUser();
    const created = await app.request('POST', scope(user), {
      token: user.token,
      body: { title: 'Old', description: 'keep me', tags: ['x'], priority: 'low', due_date: '2030-01-01T00:00:00Z' },
    });
    const path = `${scope(user)}/${created.body.id}`;
    const asMergePatch = (patch: unknown) => ({ token: user.token, body: JSON.stringify(patch), headers: { 'content-type': 'application/merge-patch+json' } });
    const patched = await app.request('PATCH', path, asMergePatch({ title: ' New ', due_date: null, completed: true }));
    assert.equal(patched.status, 200);
    assert.equal(patched.headers.get('etag'), '"2"');
    assert.deepEqual(
      { ...patched.body, updated_at: '', completed_at: '' },
      { ...created.body, title: 'New', due_date: null, completed: true, updated_at: '', completed_at: '' },
    );
    assert.ok(patched.body.completed_at);
    // application/json means the same.
    const asJson = await app.request('PATCH', path, { token: user.token, body: { description: null } });
    assert.equal(asJson.body.description, null);
    assert.deepEqual(asJson.body.tags, ['x'], 'absent members are kept');
    // An empty patch is a valid one: nothing changes, not even the version.
    const empty = await app.request('PATCH', path, asMergePatch({}));
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, asJson.body);
    assert.equal(empty.headers.get('etag'), asJson.headers.get('etag'));
    // With If-Match, an empty patch still checks the precondition.
    assert.equal((await app.request('PATCH', path, { ...asMergePatch({}), headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' } })).status, 412);
    assert.equal((await app.request('PATCH', path, { ...asMergePatch({}), headers: { 'content-type': 'application/merge-patch+json', 'if-match': asJson.headers.get('etag')! } })).status, 200);
    // What a merge patch cannot mean for a task: nulls for fields that cannot be empty, members it lacks, a non-object.
    for (const bad of [{ title: null }, { tags: null }, { completed: null }, { priority: null }, { owner: 'me' }, [], 'x', null]) {
      const res = await app.request('PATCH', path, asMergePatch(bad));
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    assert.deepEqual((await app.request('GET', path, { token: user.token })).body, asJson.body, 'nothing changed by the refused patches');
    assert.equal((await app.request('PATCH', `${scope(user)}/999999`, asMergePatch({ title: 'x' }))).status, 404);
  });
});
