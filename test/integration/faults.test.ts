// Database faults for real: a private embedded PostgreSQL is stopped and started again, and its backends
// are killed, under a running app. (Private, so that no other test file running meanwhile is disturbed.)
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { createDb } from '../../src/db/knex.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { SERVER_TIMEOUTS } from '../../src/http/server.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';
import { timedAgainst } from '../support/timed.js';
import { until } from '../support/until.js';

const quiet = { info: () => {}, debug: () => {} };
let dir: string;
let database: EmbeddedDatabase;
let port: number;
let app: TestApp;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tasks-api-faults-'));
  await chmod(dir, 0o755);
  database = await startEmbeddedPostgres(dir, quiet);
  port = Number(new URL(database.url).port);
  const db = createDb(database.url, { bounds: false });
  await migrateLatest(db);
  await db.destroy();
  app = await startTestApp({ databaseUrl: database.url });
});
after(async () => {
  await app.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('database faults', () => {
  it('when PostgreSQL stops mid-traffic, then requests get 503 quickly, writes are all-or-nothing, and it recovers by itself', async () => {
    const user = await newUser();
    const before = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Before the outage' } });
    assert.equal(before.status, 201);

    // Writes in flight while the server goes down: each must end 201 (and exist) or 503, never 500.
    const inFlight = Array.from({ length: 20 }, (_, i) => app.request('POST', '/api/tasks', { token: user.token, body: { title: `during ${i}` } }));
    await database.stop();
    const during = await Promise.all(inFlight);
    assert.ok(during.every((r) => r.status === 201 || r.status === 503), JSON.stringify(during.map((r) => r.status)));

    const { value: down, ms, limitMs } = await timedAgainst(SERVER_TIMEOUTS.answerMs, () => app.request('GET', '/api/tasks', { token: user.token }));
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '5');
    assert.ok(ms < limitMs, `answered in ${ms} ms (limit ${limitMs})`);
    assert.equal((await app.request('GET', '/api/ready')).status, 503);
    assert.equal((await app.request('GET', '/api/health')).status, 200);
    assert.equal((await app.request('GET', '/api/tasks', { token: 'not.a.token' })).status, 401);
    assert.equal((await app.request('POST', '/api/tasks', { token: user.token, body: { nope: 1 } })).status, 400);
    assert.equal((await app.request('GET', '/nowhere')).status, 404);

    database = await startEmbeddedPostgres(dir, quiet, { port });
    await until(async () => (await app.request('GET', '/api/ready')).status === 200, 100);
    const list = await app.request('GET', '/api/tasks?limit=500', { token: user.token });
    assert.equal(list.status, 200);
    const titles = list.body.map((t: { title: string }) => t.title);
    assert.ok(titles.includes('Before the outage'));
    for (const [i, res] of during.entries()) {
      if (res.status === 201) assert.ok(titles.includes(`during ${i}`), `acknowledged task ${i} survived`);
    }
    assert.equal((await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'After' } })).status, 201);
  });

  it("when every backend of the app's pool is killed, then the next requests get fresh connections", async () => {
    const user = await newUser();
    await Promise.all(Array.from({ length: 5 }, () => app.request('GET', '/api/tasks', { token: user.token })));
    const admin = createDb(database.url, { bounds: false });
    try {
      const killed = await admin.raw<{ rows: unknown[] }>(
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tasks-api' and pid <> pg_backend_pid()`,
      );
      assert.ok(killed.rows.length > 0, 'the app had connections to kill');
    } finally {
      await admin.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await app.request('POST', '/api/tasks', { token: user.token, body: { title: `after kill ${i}` } })).status);
    assert.deepEqual(statuses, Array<number>(10).fill(201));
  });
});
