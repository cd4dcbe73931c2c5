import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

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

  it('when the database fails a request, then the error is logged with its request id', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const down = await startTestApp({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/unreachable',
      logger: pino({ level: 'info' }, new Writable({ write(c: Buffer, _e, done) { logged.push(...c.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)); done(); } })),
    });
    try {
      const user = await newUser();
      const res = await down.request('GET', '/api/tasks', { token: user.token });
      assert.equal(res.status, 503);
      assert.ok(logged.some((l) => l.msg === 'request failed' && l.reqId === res.body.request_id && l.level === 50));
      const metrics = await down.request('GET', '/metrics');
      assert.match(metrics.text, /db_errors_total\{kind="unavailable"\} 1/);
    } finally {
      await down.close();
    }
  });
});

describe('metrics', () => {
  it('when requests have been served, then /metrics counts them by operation and status, with latency and pool use', async () => {
    const user = await newUser();
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Counted' } });
    await app.request('GET', '/api/tasks/0', { token: user.token });
    const res = await app.request('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /http_requests_total\{operation="createTask",method="POST",status="201"\} \d+/);
    assert.match(res.text, /http_requests_total\{operation="getTask",method="GET",status="400"\} \d+/);
    assert.match(res.text, /http_request_duration_seconds_bucket\{le="0.05",operation="createTask",method="POST",status="201"\} \d+/);
    assert.match(res.text, /db_pool_connections\{state="used"\} \d+/);
    assert.match(res.text, /process_resident_memory_bytes \d+/);
  });
});
