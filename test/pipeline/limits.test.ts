// What one user may cost the database: a few of a user's requests are handled at once, searches and bulk
// actions one at a time, and bulk actions count the tasks they change against a budget per minute
// (src/pipeline/limits.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { poolStats } from '../../src/db/pool-stats.js';
import { newUser, startTestApp, type TestApp, type TestResponse } from '../helpers.js';
import { until } from '../support/until.js';

/** Once `count` of the app's requests are in their handlers, waiting for its only connection. */
const waitingForConnection = (app: TestApp, count: number) => until(() => poolStats(app.db).pending >= count);

/** Runs `during` while the app's only connection is held, so the request sent first waits for it. */
async function whileBusy(app: TestApp, first: () => Promise<TestResponse>, during: () => Promise<void>): Promise<TestResponse> {
  const held = await app.db.transaction();
  const waiting = first();
  try {
    await waitingForConnection(app, 1);
    await during();
  } finally {
    await held.commit();
  }
  return waiting;
}

function assertRefused(res: TestResponse, detail: RegExp) {
  assert.equal(res.status, 429, res.text);
  assert.match(res.body.detail, detail);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  assert.ok(res.headers.get('ratelimit'), 'RateLimit, as on every 429');
  assert.ok(res.headers.get('ratelimit-policy'), 'RateLimit-Policy too');
}

describe('what one user may cost', () => {
  describe('on one connection, with the default limits', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ poolMax: 1 });
    });
    after(() => app.close());

    it('when a user’s search is running, then their next search is a 429 at once, another user’s is served, and theirs run again after', async () => {
      const user = await newUser();
      const other = await newUser();
      for (const who of [user, other]) await app.request('POST', '/api/tasks', { token: who.token, body: { title: 'Find me' } });
      let second: TestResponse | undefined;
      let others: Promise<TestResponse> | undefined;
      const first = await whileBusy(app, () => app.request('GET', '/api/tasks?q=find', { token: user.token }), async () => {
        second = await app.request('GET', '/api/tasks?q=me', { token: user.token });
        others = app.request('GET', '/api/tasks?q=find', { token: other.token });
      });
      assert.equal(first.status, 200);
      assertRefused(second!, /still running: one runs at a time/);
      assert.equal((await others!).status, 200, 'the lane is the user’s, not everyone’s');
      assert.equal((await app.request('GET', '/api/tasks?q=find', { token: user.token })).status, 200);
      assert.equal((await app.request('GET', '/api/tasks', { token: user.token })).status, 200, 'a list without q is no search');
    });

    it('when a user’s bulk action is running, then their next one is a 429 at once and changes nothing', async () => {
      const user = await newUser();
      await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Bulk', completed: true } });
      let second: TestResponse | undefined;
      const first = await whileBusy(app, () => app.request('PATCH', '/api/tasks', { token: user.token, body: { completed: false } }), async () => {
        second = await app.request('DELETE', '/api/tasks/completed', { token: user.token });
      });
      assert.deepEqual([first.status, first.body], [200, { changed: 1 }]);
      assertRefused(second!, /one runs at a time/);
      assert.equal((await app.request('GET', '/api/tasks/summary', { token: user.token })).body.total, 1, 'the refused delete deleted nothing');
    });
  });

  it('when as many of a user’s requests are being handled as may be at once, then the next is a 429 at once, another user’s is not', async () => {
    const app = await startTestApp({ poolMax: 1, rateLimit: { enabled: true, perMinute: 1000, concurrentPerUser: 2 } });
    try {
      const user = await newUser();
      const other = await newUser();
      let third: TestResponse | undefined;
      let second: Promise<TestResponse> | undefined;
      let others: Promise<TestResponse> | undefined;
      const first = await whileBusy(app, () => app.request('GET', '/api/tasks', { token: user.token }), async () => {
        second = app.request('GET', '/api/tasks/summary', { token: user.token });
        await waitingForConnection(app, 2);
        third = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Not now' } });
        others = app.request('GET', '/api/tasks', { token: other.token });
      });
      assert.equal(first.status, 200);
      assert.equal((await second!).status, 200);
      assertRefused(third!, /2 of your requests are being handled already/);
      assert.equal((await others!).status, 200, 'the count is the user’s, not everyone’s');
      assert.equal((await app.request('GET', '/api/tasks/summary', { token: user.token })).body.total, 0, 'the refused create wrote nothing');
      assert.equal((await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Now' } })).status, 201);
    } finally {
      await app.close();
    }
  });

  it('when a user’s bulk actions have changed the tasks a minute allows, then the next is a 429 until the minute is over, single writes still pass', async () => {
    const app = await startTestApp({ rateLimit: { enabled: true, perMinute: 1000, rowsPerMinute: 3 } });
    try {
      const user = await newUser();
      const other = await newUser();
      for (let i = 0; i < 5; i++) await app.request('POST', '/api/tasks', { token: user.token, body: { title: `Task ${i}` } });
      await app.request('POST', '/api/tasks', { token: other.token, body: { title: 'Theirs' } });
      // The budget is not spent before it: it runs whole, and is charged its five.
      assert.deepEqual((await app.request('PATCH', '/api/tasks', { token: user.token, body: { completed: true } })).body, { changed: 5 });
      const refused = await app.request('PATCH', '/api/tasks', { token: user.token, body: { completed: false } });
      assertRefused(refused, /changed 5 tasks this minute, the most a minute allows \(3\)/);
      assert.ok(Number(refused.headers.get('retry-after')) <= 60);
      assert.equal((await app.request('GET', '/api/tasks/summary', { token: user.token })).body.completed, 5, 'the refused one changed nothing');
      assert.equal((await app.request('PATCH', '/api/tasks/1/complete', { token: user.token })).status, 200, 'a single write is one request');
      assert.deepEqual((await app.request('PATCH', '/api/tasks', { token: other.token, body: { completed: true } })).body, { changed: 1 }, 'another user has their own');
    } finally {
      await app.close();
    }
  });
});
