import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, newUserId, signToken, startTestApp, type TestApp } from '../helpers.js';
import { underEachScope } from './scopes.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

underEachScope((scope) => {
  it('when a task is created with only a title, then every other field takes its default', async () => {
    const user = await newUser();
    const res = await app.request('POST', scope(user), { token: user.token, body: { title: 'Buy milk' } });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `${scope(user)}/${res.body.id}`);
    assert.deepEqual(
      { ...res.body, id: 0, created_at: '', updated_at: '' },
      {
        id: 0, user_id: user.id, title: 'Buy milk', description: null, completed: false, priority: 'medium',
        tags: [], due_date: null, completed_at: null, created_at: '', updated_at: '',
      },
    );
    assert.equal(res.body.created_at, res.body.updated_at);
    const fetched = await app.request('GET', `${scope(user)}/${res.body.id}`, { token: user.token });
    assert.deepEqual(fetched.body, res.body);
  });

  it('when every field is given, then the title and tags are trimmed, equal tags merged, and the due date kept in UTC', async () => {
    const user = await newUser();
    const res = await app.request('POST', scope(user), {
      token: user.token,
      body: {
        title: '  File taxes \n', description: 'Receipts first', completed: true, priority: 'high',
        tags: [' finance', 'finance ', 'admin'], due_date: '2026-12-15T17:00:00+01:00',
      },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.title, 'File taxes');
    assert.deepEqual(res.body.tags, ['finance', 'admin']);
    assert.equal(res.body.due_date, '2026-12-15T16:00:00.000Z');
    assert.equal(res.body.completed, true);
    assert.ok(res.body.completed_at, 'completed_at is set for a task created completed');
  });
});

describe('task ids and Location', () => {
  it("when users create tasks, then each user's ids count their own tasks and say nothing of anyone else's", async () => {
    const [ada, bob] = [await newUser(), await newUser()];
    const created = [];
    for (const user of [ada, bob, ada, bob, bob, ada]) created.push((await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'x' } })).body);
    assert.deepEqual(created.map((t) => [t.user_id === ada.id ? 'ada' : 'bob', t.id]), [['ada', 1], ['bob', 1], ['ada', 2], ['bob', 2], ['bob', 3], ['ada', 3]]);
    // A deleted task's id is not given again.
    assert.equal((await app.request('DELETE', '/api/tasks/3', { token: ada.token })).status, 204);
    assert.equal((await app.request('POST', '/api/tasks', { token: ada.token, body: { title: 'y' } })).body.id, 4);
  });

  it('when the path is written with extra slashes or escapes, then Location is the canonical URL of the task, also on replay', async () => {
    const user = await newUser();
    for (const path of ['/api/tasks//', `/api/${encodeURIComponent(user.id)}/tasks/`]) {
      const headers = { 'idempotency-key': `loc-${path}` };
      const first = await app.request('POST', path, { token: user.token, body: { title: 'Where' }, headers });
      assert.equal(first.status, 201, `${path}: ${first.text}`);
      const scope = path.startsWith('/api/tasks') ? '/api/tasks' : `/api/${encodeURIComponent(user.id)}/tasks`;
      assert.equal(first.headers.get('location'), `${scope}/${first.body.id}`);
      assert.equal((await app.request('GET', first.headers.get('location')!, { token: user.token })).status, 200);
      const replay = await app.request('POST', path, { token: user.token, body: { title: 'Where' }, headers });
      assert.equal(replay.headers.get('location'), first.headers.get('location'));
    }
  });

  it('when the user id holds characters a path must escape, then Location escapes them', async () => {
    const id = `${newUserId()} é/?#`;
    const token = await signToken(id);
    const scope = `/api/${encodeURIComponent(id)}/tasks`;
    const created = await app.request('POST', scope, { token, body: { title: 'Escaped' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), `${scope}/${created.body.id}`);
    assert.equal((await app.request('GET', created.headers.get('location')!, { token })).body.user_id, id);
  });
});

describe('users', () => {
  it('when a user creates their first task, then their row is upserted from the token claims', async () => {
    const { signToken, newUserId } = await import('../helpers.js');
    const id = newUserId();
    const token = await signToken(id, { claims: { email: 'ada@example.com', name: 'Ada' } });
    assert.equal((await app.request('POST', '/api/tasks', { token, body: { title: 'First' } })).status, 201);
    const row = await app.db('users').where({ id }).first();
    assert.equal(row.email, 'ada@example.com');
    assert.equal(row.name, 'Ada');
    const renamed = await signToken(id, { claims: { email: 'ada@example.com', name: 'Ada L.' } });
    assert.equal((await app.request('POST', '/api/tasks', { token: renamed, body: { title: 'Second' } })).status, 201);
    assert.equal((await app.db('users').where({ id }).first()).name, 'Ada L.');
  });
});
