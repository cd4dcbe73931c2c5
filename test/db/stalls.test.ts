// A PostgreSQL that stops answering without closing its sockets, made with a TCP proxy that stops
// forwarding: requests are answered 503 within the bound, stalled connections are dropped, the pool recovers
// by itself, an outage is logged as one, and a create whose answer was lost is safe to retry.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { testDatabaseUrl } from '../support/settings.js';
import { DATABASE_BOUNDS } from '../../src/db/knex.js';
import { SERVER_TIMEOUTS } from '../../src/pipeline/server.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';
import { openStream } from '../support/sse.js';
import { proxyDatabase, type TcpProxy } from '../support/tcp-proxy.js';
import { timedAgainst, TRIP_MARGIN_MS } from '../support/timed.js';
import { until } from '../support/until.js';

const BOUND_MS = SERVER_TIMEOUTS.answerMs; // what docs/reference/http.md promises
const logged: Array<Record<string, unknown>> = [];
let proxy: TcpProxy;
let app: TestApp;
let proxiedUrl: string;

before(async () => {
  ({ proxy, url: proxiedUrl } = await proxyDatabase(testDatabaseUrl()!));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  app = await startTestApp({ databaseUrl: proxiedUrl, logger: pino({ level: 'info' }, sink) });
});
after(async () => {
  proxy.resume();
  await app.close();
  await proxy.close();
});

describe('a database that stops answering', () => {
  it('when it stalls under pooled connections, then every request gets a 503 with Retry-After within the bound, and it recovers by itself', async () => {
    const user = await newUser();
    // Open several pooled connections first.
    await Promise.all(Array.from({ length: 6 }, (_, i) => app.request('POST', '/api/tasks', { token: user.token, body: { title: `warm ${i}` } })));
    logged.length = 0;
    proxy.stall();
    const stalled = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        timedAgainst(BOUND_MS, () => (i % 2 ? app.request('GET', '/api/tasks', { token: user.token }) : app.request('POST', '/api/tasks', { token: user.token, body: { title: `stalled ${i}` } }))),
      ),
    );
    for (const { value: res, ms, limitMs } of stalled) {
      assert.equal(res.status, 503, res.text);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.ok(ms < limitMs, `answered in ${ms} ms (limit ${limitMs})`);
    }
    assert.equal(logged.filter((l) => /database is unavailable/.test(String(l.msg))).length, 1, 'the outage is logged once');
    assert.ok(!logged.some((l) => JSON.stringify(l).includes('"stack"')), 'no stack traces');

    proxy.resume();
    await until(async () => (await app.request('GET', '/api/tasks', { token: user.token })).status === 200, 100);
    assert.equal(logged.filter((l) => /database answers again/.test(String(l.msg))).length, 1, 'its end is logged once');
    assert.equal((await app.request('GET', '/api/ready')).status, 200);
  });

  it('when a new connection is needed while it is stalled, then 503 (never a 500) within the bound', async () => {
    const fresh = await startTestApp({ databaseUrl: proxiedUrl });
    try {
      const user = await newUser();
      proxy.stall();
      const { value: res, ms, limitMs } = await timedAgainst(BOUND_MS, () => fresh.request('GET', '/api/tasks', { token: user.token }));
      assert.equal(res.status, 503, res.text);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.ok(ms < limitMs, `answered in ${ms} ms (limit ${limitMs})`);
      const ready = await timedAgainst(BOUND_MS, () => fresh.request('GET', '/api/ready'));
      assert.equal(ready.value.status, 503);
      assert.ok(ready.ms < ready.limitMs, `ready answered in ${ready.ms} ms (limit ${ready.limitMs})`);
    } finally {
      proxy.resume();
      await fresh.close();
    }
  });

  it('when a statement waits longer than the statement timeout (here on a row lock), then PostgreSQL cancels it: a 503, nothing written', async () => {
    const user = await newUser();
    const { body: task } = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Locked' } });
    logged.length = 0;
    const trx = await app.db.transaction();
    try {
      await trx('tasks').where({ user_id: user.id, id: task.id }).forUpdate();
      const headers = { 'x-request-id': `locked-${user.id}` };
      // PostgreSQL's own timer cancels it, then the answer goes back: a second of margin for that round trip.
      const { value: res, ms, limitMs } = await timedAgainst(DATABASE_BOUNDS.statementMs, () => app.request('PUT', `/api/tasks/${task.id}`, { token: user.token, body: { title: 'Never' }, headers }));
      assert.equal(res.status, 503, res.text);
      assert.ok(ms >= DATABASE_BOUNDS.statementMs && ms < limitMs - TRIP_MARGIN_MS + 1000, `answered in ${ms} ms (limit ${limitMs - TRIP_MARGIN_MS + 1000})`);
      const line = logged.find((l) => l.reqId === headers['x-request-id']);
      assert.equal(line?.database, 'a statement ran past statement_timeout', 'cancelled by PostgreSQL, not dropped as stalled');
      // One slow statement, while the database answers everyone else: told as what it is, not as an outage.
      assert.match(res.body.detail, /cancelled this request for taking longer than one statement may/);
      assert.doesNotMatch(res.body.detail, /unavailable/);
      assert.ok(!logged.some((l) => /database is unavailable/.test(String(l.msg))), 'no outage is logged');
    } finally {
      await trx.rollback();
    }
    assert.equal((await app.request('GET', `/api/tasks/${task.id}`, { token: user.token })).body.title, 'Locked');
  });

  it('when it stalls for seconds while a stream is open and readiness is probed, then the log has its start and its end once, a line per failed request, and nothing else', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const watched = await startTestApp({ databaseUrl: proxiedUrl, logger: pino({ level: 'info' }, sink), sync: { pollMs: 50 } });
    const user = await newUser();
    const events = await openStream(`${watched.baseUrl}/api/tasks/events`, user.token);
    try {
      await events.next('ready');
      lines.length = 0;
      proxy.stall();
      const probes = [];
      for (let i = 0; i < 3; i++) {
        probes.push((await watched.request('GET', '/api/ready')).status);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      assert.deepEqual(probes, [503, 503, 503]);
      proxy.resume();
      await until(async () => (await watched.request('GET', '/api/tasks', { token: user.token })).status === 200, 100);
      await until(() => Promise.resolve(lines.some((l) => /database answers again/.test(String(l.msg)))));
      const outage = lines.filter((l) => /database is unavailable/.test(String(l.msg)));
      assert.equal(outage.length, 1, 'the outage is logged once');
      assert.equal(lines.filter((l) => /database answers again/.test(String(l.msg))).length, 1, 'its end once');
      const others = lines.filter((l) => l.reqId === undefined && !outage.includes(l) && !/database answers again/.test(String(l.msg)));
      assert.deepEqual(others, [], 'nothing else: no warning per failed connection attempt, none from the hub');
      assert.ok(!lines.some((l) => JSON.stringify(l).includes('stack') || JSON.stringify(l).includes('    at ')), 'no stack traces');
    } finally {
      proxy.resume();
      await events.close();
      await watched.close();
    }
  });

  it('when a create commits but its answer is lost to a stall, then a retry with its Idempotency-Key finds it: exactly one task', async () => {
    const user = await newUser();
    const key = `stall-${user.id}`;
    const send = () => app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Exactly once' }, headers: { 'idempotency-key': key } });
    const committing = proxy.stallAnswersAfter('COMMIT');
    const first = send();
    await committing; // the COMMIT reached PostgreSQL; its answer is held
    assert.equal((await first).status, 503, 'the client cannot know the outcome');
    proxy.resume();
    await until(async () => (await app.request('GET', '/api/ready')).status === 200, 100);
    const retry = await send();
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true', 'the first attempt had committed');
    const list = await app.request('GET', '/api/tasks', { token: user.token });
    assert.deepEqual(list.body.map((t: { title: string }) => t.title), ['Exactly once']);
  });

  // Each statement is bounded, but a request of several (each just within its bound) would not be: the
  // request itself has a deadline. Made short here, with writes held on row locks for longer.
  it('when a request’s statements take longer together than its deadline, then 503 at the deadline; the write goes on, and a retry with its key finds it', async () => {
    const hurried = await startTestApp({ timeouts: { ...SERVER_TIMEOUTS, answerMs: 400 } });
    const user = await newUser();
    try {
      const { body: task } = await hurried.request('POST', '/api/tasks', { token: user.token, body: { title: 'Before' } });
      const trx = await hurried.db.transaction();
      await trx('users').where({ id: user.id }).forUpdate(); // the create's owner upsert waits on it
      await trx('tasks').where({ user_id: user.id, id: task.id }).forUpdate();
      const key = `deadline-${user.id}`;
      const create = () => hurried.request('POST', '/api/tasks', { token: user.token, body: { title: 'Once' }, headers: { 'idempotency-key': key } });
      const [updated, created] = await Promise.all([
        timedAgainst(400, () => hurried.request('PUT', `/api/tasks/${task.id}`, { token: user.token, body: { title: 'After' } })),
        timedAgainst(400, create),
      ]);
      for (const { value: res, ms, limitMs } of [updated, created]) {
        assert.equal(res.status, 503, res.text);
        assert.equal(res.headers.get('retry-after'), '5');
        assert.match(res.body.detail, /did not answer in time/);
        assert.ok(ms >= 400 && ms < limitMs, `answered in ${ms} ms (limit ${limitMs})`);
      }
      await trx.commit();
      await until(async () => (await hurried.request('GET', `/api/tasks/${task.id}`, { token: user.token })).body.title === 'After', 100);
      const retry = await create();
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true', 'the first attempt went on and committed');
      const list = await hurried.request('GET', '/api/tasks', { token: user.token });
      assert.deepEqual(list.body.map((t: { title: string }) => t.title).sort(), ['After', 'Once']);
    } finally {
      await hurried.close();
    }
  });
});
