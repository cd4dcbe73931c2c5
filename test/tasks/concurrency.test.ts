import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

type User = { id: string; token: string };
const createTask = async (user: User, title = 'Versioned') =>
  app.request('POST', '/api/tasks', { token: user.token, body: { title } });

describe('ETag and conditional requests', () => {
  it('when a task is written, then every response carries its ETag and each write changes it', async () => {
    const user = await newUser();
    const created = await createTask(user);
    const path = `/api/tasks/${created.body.id}`;
    const tags = [created.headers.get('etag')];
    tags.push((await app.request('GET', path, { token: user.token })).headers.get('etag'));
    tags.push((await app.request('PUT', path, { token: user.token, body: { title: 'v2' } })).headers.get('etag'));
    tags.push((await app.request('PATCH', `${path}/complete`, { token: user.token })).headers.get('etag'));
    tags.push((await app.request('PUT', path, { token: user.token, body: { title: 'v2' } })).headers.get('etag'));
    assert.deepEqual(tags, ['"1"', '"1"', '"2"', '"3"', '"4"'], 'even a write that changes nothing visible is a new version');
  });

  it('when If-None-Match names the current version (or *), then 304 with no body; an old one gets the task', async () => {
    const user = await newUser();
    const { body: task } = await createTask(user);
    const path = `/api/tasks/${task.id}`;
    for (const header of ['"1"', 'W/"1"', '"7", "1"', '*']) {
      const res = await app.request('GET', path, { token: user.token, headers: { 'if-none-match': header } });
      assert.equal(res.status, 304, header);
      assert.equal(res.text, '');
      assert.equal(res.headers.get('etag'), '"1"');
    }
    await app.request('PUT', path, { token: user.token, body: { title: 'changed' } });
    const stale = await app.request('GET', path, { token: user.token, headers: { 'if-none-match': '"1"' } });
    assert.equal(stale.status, 200);
    assert.equal(stale.body.title, 'changed');
  });

  it('when If-Match is stale or weak, then 412 and nothing changes; when current or *, then the write happens', async () => {
    const user = await newUser();
    const { body: task } = await createTask(user);
    const path = `/api/tasks/${task.id}`;
    for (const [method, suffix, body] of [['PUT', '', { title: 'lost' }], ['PATCH', '/complete', undefined], ['DELETE', '', undefined]] as const) {
      // "01" and " 1" are not the tag "1": ETags compare as strings (RFC 9110 §8.8.3.2).
      for (const header of ['"2"', 'W/"1"', '"x"', '"01"', '" 1"', '"1.0"']) {
        const res = await app.request(method, `${path}${suffix}`, { token: user.token, body, headers: { 'if-match': header } });
        assert.equal(res.status, 412, `${method} ${header}`);
        assert.equal(res.body.status, 412);
      }
    }
    const unchanged = await app.request('GET', path, { token: user.token });
    assert.deepEqual(unchanged.body, task);
    assert.equal((await app.request('PUT', path, { token: user.token, body: { title: 'v2' }, headers: { 'if-match': '"9", "1"' } })).status, 200);
    assert.equal((await app.request('PATCH', `${path}/complete`, { token: user.token, headers: { 'if-match': '*' } })).status, 200);
    assert.equal((await app.request('DELETE', path, { token: user.token, headers: { 'if-match': '"3"' } })).status, 204);
  });

  it('when a task is missing, then 404 comes before 412', async () => {
    const user = await newUser();
    const res = await app.request('PUT', '/api/tasks/987654321', { token: user.token, body: { title: 'x' }, headers: { 'if-match': '"1"' } });
    assert.equal(res.status, 404);
  });

  it('when twenty writers race with the same If-Match, then exactly one wins and the others get 412', async () => {
    const user = await newUser();
    const { body: task } = await createTask(user);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.request('PUT', `/api/tasks/${task.id}`, { token: user.token, body: { title: `writer ${i}` }, headers: { 'if-match': '"1"' } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array<number>(19).fill(412)]);
    const winner = results.find((r) => r.status === 200)!;
    assert.equal((await app.request('GET', `/api/tasks/${task.id}`, { token: user.token })).body.title, winner.body.title);
  });

  it('when twenty unconditional updates race, then every one is applied (the version counts them all)', async () => {
    const user = await newUser();
    const { body: task } = await createTask(user);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.request('PUT', `/api/tasks/${task.id}`, { token: user.token, body: { title: `u${i}` } })),
    );
    assert.equal((await app.request('GET', `/api/tasks/${task.id}`, { token: user.token })).headers.get('etag'), '"21"');
  });
});

describe('Idempotency-Key', () => {
  const post = (user: User, key: string, body: object) =>
    app.request('POST', '/api/tasks', { token: user.token, body, headers: { 'idempotency-key': key } });
  const count = async (user: User) => (await app.request('GET', '/api/tasks', { token: user.token })).body.length as number;

  it('when a create is retried with the same key and body, then the first response comes back and one task exists', async () => {
    const user = await newUser();
    const first = await post(user, 'k-1', { title: 'Once', tags: ['a'] });
    await app.request('PUT', `/api/tasks/${first.body.id}`, { token: user.token, body: { title: 'Changed since' } });
    const retry = await post(user, 'k-1', { tags: ['a'], title: 'Once' }); // same body, fields in another order
    assert.equal(retry.status, 201);
    assert.equal(retry.text, first.text, 'the original response byte for byte, not the task as it is now');
    assert.equal(retry.headers.get('location'), first.headers.get('location'));
    assert.equal(retry.headers.get('etag'), first.headers.get('etag'));
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(await count(user), 1);
  });

  it('when the same key comes with another body, then 422 and nothing is created', async () => {
    const user = await newUser();
    await post(user, 'k-2', { title: 'One' });
    const res = await post(user, 'k-2', { title: 'Two' });
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(await count(user), 1);
  });

  it('when ten retries race, then they all get the same task and only one is created', async () => {
    const user = await newUser();
    const results = await Promise.all(Array.from({ length: 10 }, () => post(user, 'k-race', { title: 'Raced' })));
    assert.ok(results.every((r) => r.status === 201));
    assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
    assert.equal(results.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 9);
    assert.equal(await count(user), 1);
  });

  it('when a retry lands on another instance, then that instance replays the first response', async () => {
    const other = await startTestApp();
    try {
      const user = await newUser();
      const headers = { 'idempotency-key': 'across-instances' };
      const first = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Once' }, headers });
      const retry = await other.request('POST', '/api/tasks', { token: user.token, body: { title: 'Once' }, headers });
      assert.equal(retry.status, 201);
      assert.equal(retry.body.id, first.body.id);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(await count(user), 1);
    } finally {
      await other.close();
    }
  });

  it('when two users use the same key, then each gets their own task', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const [ra, rb] = [await post(a, 'shared', { title: 'for a' }), await post(b, 'shared', { title: 'for b' })];
    assert.deepEqual([ra.status, rb.status, ra.body.user_id, rb.body.user_id], [201, 201, a.id, b.id]);
    assert.equal(rb.headers.get('idempotent-replayed'), null);
    for (const [user, title] of [[a, 'for a'], [b, 'for b']] as const) {
      const list = await app.request('GET', '/api/tasks', { token: user.token });
      assert.deepEqual(list.body.map((t: { title: string }) => t.title), [title]);
    }
  });

  it('when a key is older than 24 hours, then it is forgotten and the request creates anew', async () => {
    const user = await newUser();
    const first = await post(user, 'k-old', { title: 'Old' });
    await app.db('idempotency_keys').where({ user_id: user.id, key: 'k-old' }).update({ created_at: app.db.raw("now() - interval '25 hours'") });
    const again = await post(user, 'k-old', { title: 'Old' });
    assert.equal(again.status, 201);
    assert.notEqual(again.body.id, first.body.id);
    assert.equal(again.headers.get('idempotent-replayed'), null);
  });

  it('when the key is not 1–255 visible ASCII characters, then 400 naming the header', async () => {
    const user = await newUser();
    for (const key of ['has space', 'tab\there', 'k'.repeat(256)]) {
      const res = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'x' }, headers: { 'idempotency-key': key } });
      assert.equal(res.status, 400, key);
      assert.equal(res.body.errors[0].in, 'header');
    }
    assert.equal(await count(user), 0);
  });
});
