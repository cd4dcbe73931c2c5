import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

// Every behaviour is checked under both URL scopes; `scope(user)` gives the collection path.
const scopes = {
  implicit: (_user: { id: string }) => '/api/tasks',
  explicit: (user: { id: string }) => `/api/${encodeURIComponent(user.id)}/tasks`,
};

for (const [scopeName, scope] of Object.entries(scopes)) {
  describe(`tasks under the ${scopeName} scope`, () => {
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

    it('when a task is deleted, then it is gone and a second delete is a 404', async () => {
      const user = await newUser();
      const { body: task } = await app.request('POST', scope(user), { token: user.token, body: { title: 'Bye' } });
      const path = `${scope(user)}/${task.id}`;
      assert.equal((await app.request('DELETE', path, { token: user.token })).status, 204);
      assert.equal((await app.request('GET', path, { token: user.token })).status, 404);
      assert.equal((await app.request('DELETE', path, { token: user.token })).status, 404);
    });
  });
}

describe('listing', () => {
  it('when tasks are listed with each sort and order, then the order is total, ties break on id, and undated tasks come last', async () => {
    const user = await newUser();
    const create = async (body: object) => (await app.request('POST', '/api/tasks', { token: user.token, body })).body;
    const a = await create({ title: 'banana', priority: 'low', due_date: '2030-01-02T00:00:00Z' });
    const b = await create({ title: 'Apple', priority: 'high' });
    const c = await create({ title: 'cherry', priority: 'medium', due_date: '2030-01-01T00:00:00Z' });
    const d = await create({ title: 'apple', priority: 'high', due_date: '2030-01-01T00:00:00Z' });
    await app.request('PUT', `/api/tasks/${a.id}`, { token: user.token, body: { description: 'touched last' } });
    const ids = async (query: string) =>
      (await app.request('GET', `/api/tasks${query}`, { token: user.token })).body.map((t: { id: number }) => t.id);

    assert.deepEqual(await ids(''), [d.id, c.id, b.id, a.id], 'default: newest first');
    assert.deepEqual(await ids('?sort=created&order=asc'), [a.id, b.id, c.id, d.id]);
    assert.deepEqual(await ids('?sort=updated'), [a.id, d.id, c.id, b.id]);
    assert.deepEqual(await ids('?sort=title'), [b.id, d.id, a.id, c.id], 'case-insensitive, ties on id ascending');
    assert.deepEqual(await ids('?sort=title&order=desc'), [c.id, a.id, d.id, b.id], 'ties on id descending');
    assert.deepEqual(await ids('?sort=priority'), [d.id, b.id, c.id, a.id], 'high > medium > low, ties on id descending');
    assert.deepEqual(await ids('?sort=priority&order=asc'), [a.id, c.id, b.id, d.id]);
    assert.deepEqual(await ids('?sort=due_date'), [c.id, d.id, a.id, b.id], 'soonest first, undated last');
    assert.deepEqual(await ids('?sort=due_date&order=desc'), [a.id, d.id, c.id, b.id], 'latest first, undated still last');
  });

  it('when tasks are listed by status, then only the matching ones come back', async () => {
    const user = await newUser();
    const open = (await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'open' } })).body;
    const done = (await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'done', completed: true } })).body;
    const ids = async (status: string) =>
      (await app.request('GET', `/api/tasks?status=${status}`, { token: user.token })).body.map((t: { id: number }) => t.id);
    assert.deepEqual(await ids('pending'), [open.id]);
    assert.deepEqual(await ids('completed'), [done.id]);
    assert.deepEqual(await ids('all'), [done.id, open.id]);
  });

  it('when a new user lists, then the list is empty', async () => {
    const user = await newUser();
    const res = await app.request('GET', '/api/tasks', { token: user.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, []);
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
