import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { testDatabaseUrl } from '../support/settings.js';
import { createDb } from '../../src/db/knex.js';
import { migrateLatest } from '../../migrations/migrate.js';
import { newUser, startTestApp, TEST_METRICS_TOKEN, type TestApp } from '../helpers.js';
import { blockedBehind } from '../support/row-lock.js';
import { until } from '../support/until.js';

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let app: TestApp;
before(async () => {
  app = await startTestApp({ logger: pino({ level: 'info' }, sink) });
});
after(() => app.close());

describe('request ids', () => {
  it('when a request carries a sane X-Request-Id, then it is echoed in the response, the problem and the log', async () => {
    const res = await app.request('GET', '/api/tasks/1', { headers: { 'x-request-id': 'trace-42.a:b' } });
    assert.equal(res.headers.get('x-request-id'), 'trace-42.a:b');
    assert.equal(res.body.request_id, 'trace-42.a:b');
    assert.ok(lines.some((l) => l.reqId === 'trace-42.a:b' && l.status === 401));
  });

  it('when there is none, or it could forge a log line, then a fresh id is made', async () => {
    for (const incoming of [undefined, 'has spaces', 'x'.repeat(129), 'line\\nbreak']) {
      const res = await app.request('GET', '/api/health', { headers: incoming ? { 'x-request-id': incoming } : {} });
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, String(incoming));
    }
  });
});

describe('logs', () => {
  it('when requests are logged, then each line has method, route, operation, status and latency, and never a token or task text', async () => {
    const user = await newUser();
    const secretTitle = 'Surprise party for Alice';
    const created = await app.request('POST', '/api/tasks', { token: user.token, body: { title: secretTitle } });
    await app.request('GET', `/api/tasks?q=${encodeURIComponent('party')}`, { token: user.token });
    const line = lines.find((l) => l.reqId === created.headers.get('x-request-id'));
    assert.ok(line, 'the create was logged');
    assert.deepEqual(
      { method: line.method, route: line.route, operation: line.operation, status: line.status, msg: line.msg },
      { method: 'POST', route: '/api/tasks', operation: 'createTask', status: 201, msg: 'request' },
    );
    assert.equal(typeof line.ms, 'number');
    const everything = JSON.stringify(lines);
    assert.ok(!everything.includes(user.token), 'no token in the logs');
    assert.ok(!everything.includes(user.token.split('.')[2]!), 'no token signature in the logs');
    assert.ok(!everything.includes('Surprise') && !everything.includes('party'), 'no task text or search text in the logs');
  });

  it('when the database cannot be reached, then the outage is logged once, each failed request in one short line, no stack', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const down = await startTestApp({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/unreachable',
      logger: pino({ level: 'info' }, new Writable({ write(c: Buffer, _e, done) { logged.push(...c.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)); done(); } })),
    });
    try {
      const user = await newUser();
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await down.request('GET', '/api/tasks', { token: user.token }));
      assert.deepEqual(answers.map((r) => r.status), [503, 503, 503]);
      const outage = logged.filter((l) => /database is unavailable/.test(String(l.msg)));
      assert.equal(outage.length, 1, 'the outage is logged once');
      assert.equal(outage[0]!.level, 40);
      for (const res of answers) {
        const lines = logged.filter((l) => l.reqId === res.body.request_id);
        assert.equal(lines.length, 1, 'one line per failed request');
        assert.equal(lines[0]!.level, 40);
        assert.equal(lines[0]!.status, 503);
        assert.equal(typeof lines[0]!.database, 'string');
      }
      assert.ok(!logged.some((l) => JSON.stringify(l).includes('"stack"')), 'no stack traces');
      const metrics = await down.request('GET', '/metrics', { token: TEST_METRICS_TOKEN });
      assert.match(metrics.text, /db_errors_total\{kind="unavailable"\} 3/);
    } finally {
      await down.close();
    }
  });
});

describe('what the logs never hold, and what they always do', () => {
  it('when PostgreSQL refuses a row and quotes it in its error, then the log has the code and constraint, never the task text', async () => {
    // A private database whose tasks table refuses one title: PostgreSQL's error detail then quotes the row.
    const admin = createDb(testDatabaseUrl()!, { bounds: false });
    const name = `tasks_quoting_${randomBytes(4).toString('hex')}`;
    await admin.raw(`create database ${name}`);
    const url = new URL(testDatabaseUrl()!);
    url.pathname = `/${name}`;
    const migrator = createDb(url.href, { bounds: false, poolMax: 2 });
    await migrateLatest(migrator);
    await migrator.raw(`alter table tasks add constraint no_private check (title <> 'PRIVATE-TITLE')`);
    await migrator.destroy();
    const captured: string[] = [];
    const quoting = await startTestApp({
      databaseUrl: url.href,
      logger: pino({ level: 'info' }, new Writable({ write(c: Buffer, _e, done) { captured.push(c.toString()); done(); } })),
    });
    try {
      const user = await newUser();
      const res = await quoting.request('POST', '/api/tasks', { token: user.token, body: { title: 'PRIVATE-TITLE', description: 'PRIVATE-DESCRIPTION' } });
      assert.equal(res.status, 500);
      const failure = captured.map((l) => JSON.parse(l) as { msg: string; err?: Record<string, unknown> }).find((l) => l.msg === 'request failed');
      assert.ok(failure, 'the failure is logged');
      assert.deepEqual({ code: failure.err?.code, constraint: failure.err?.constraint }, { code: '23514', constraint: 'no_private' });
      assert.ok(!captured.join('').includes('PRIVATE'), 'no task text in any log line');
    } finally {
      await quoting.close();
      await admin.raw(`drop database ${name} with (force)`);
      await admin.destroy();
    }
  });

  it('when a client leaves before its create is answered, then the request is logged once the create is done, with its outcome', async () => {
    const user = await newUser();
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'First' } });
    const admin = createDb(testDatabaseUrl()!, { bounds: false });
    const locked = admin.transaction();
    const trx = await locked;
    await trx.raw('select 1 from users where id = ? for update', [user.id]); // the create's upsert waits on it
    const abort = new AbortController();
    const leaving = fetch(`${app.baseUrl}/api/tasks`, {
      method: 'POST',
      signal: abort.signal,
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'x-request-id': `leaves-${user.id}` },
      body: JSON.stringify({ title: 'Committed after its client left' }),
    }).catch(() => 'aborted');
    const waiters = await blockedBehind(admin, trx);
    await until(async () => (await waiters()) === 1);
    abort.abort();
    assert.equal(await leaving, 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await trx.commit();
    await admin.destroy();
    const logged = () => lines.find((l) => l.reqId === `leaves-${user.id}`);
    await until(() => logged() !== undefined); // logged once the create is done
    const line = logged()!;
    assert.deepEqual({ status: line.status, clientLeft: line.clientLeft, level: line.level }, { status: 201, clientLeft: true, level: 40 });
    const list = await app.request('GET', '/api/tasks', { token: user.token });
    assert.ok(list.body.some((t: { title: string }) => t.title === 'Committed after its client left'));
  });
});

describe('metrics', () => {
  it('when requests have been served, then /metrics counts them by operation and status, with latency and pool use', async () => {
    const user = await newUser();
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Counted' } });
    await app.request('GET', '/api/tasks/0', { token: user.token });
    const res = await app.request('GET', '/metrics', { token: TEST_METRICS_TOKEN });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /http_requests_total\{operation="createTask",method="POST",status="201"\} \d+/);
    assert.match(res.text, /http_requests_total\{operation="getTask",method="GET",status="400"\} \d+/);
    assert.match(res.text, /http_request_duration_seconds_bucket\{le="0.05",operation="createTask",method="POST",status="201"\} \d+/);
    assert.match(res.text, /db_pool_connections\{state="used"\} \d+/);
    assert.match(res.text, /process_resident_memory_bytes \d+/);
  });

  it('when anyone but the scraper asks for /metrics, then 401 and nothing of anyone’s activity; without METRICS_TOKEN it is not served', async () => {
    const user = await newUser();
    for (const token of [undefined, user.token, `${TEST_METRICS_TOKEN}x`, TEST_METRICS_TOKEN.slice(1)]) {
      const res = await app.request('GET', '/metrics', { token });
      assert.equal(res.status, 401, String(token));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      assert.doesNotMatch(res.text, /http_requests_total/);
    }
    const unset = await startTestApp({ metricsToken: undefined });
    try {
      const res = await unset.request('GET', '/metrics', { token: TEST_METRICS_TOKEN });
      assert.equal(res.status, 404);
      assert.doesNotMatch(res.text, /http_requests_total/);
      assert.equal((await unset.request('GET', '/api/health')).status, 200, 'liveness needs no token');
      assert.equal((await unset.request('GET', '/api/ready')).status, 200, 'nor does readiness');
    } finally {
      await unset.close();
    }
  });
});
