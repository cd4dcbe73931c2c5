import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { testRedisUrl } from '../support/settings.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { READINESS_MAX_AGE_MS } from '../../src/service-routes/readiness.js';
import { newUser, signToken, startTestApp, TEST_METRICS_TOKEN, type TestApp } from '../helpers.js';

describe('rate limiting in process memory', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ rateLimit: { enabled: true, perMinute: 3 } });
  });
  after(() => app.close());

  it('when a user uses up the allowance, then 429 with Retry-After and RateLimit headers; other users go on', async () => {
    const user = await newUser();
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await app.request('GET', '/api/tasks', { token: user.token }));
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 429]);
    assert.deepEqual(responses.map((r) => /; r=(\d+); t=\d+$/.exec(r.headers.get('ratelimit') ?? '')?.[1]), ['2', '1', '0', '0']);
    assert.match(responses[0]!.headers.get('ratelimit-policy') ?? '', /^"3-per-minute"; q=3; w=60; pk=:[\w+/=-]+:$/);
    const refused = responses[3]!;
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(refused.body.status, 429);
    assert.equal((await app.request('GET', '/api/tasks', { token: (await newUser()).token })).status, 200);
  });

  it('when a flood of bad tokens comes from one address, then it is limited there and valid users are not', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await app.request('GET', '/api/tasks', { token: `bad.${i}.token` })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    assert.equal((await app.request('GET', '/api/tasks', { token: (await newUser()).token })).status, 200);
  });

  it('when an address has used up its allowance, then the service routes refuse it too, but liveness and readiness', async () => {
    const own = await startTestApp({ rateLimit: { enabled: true, perMinute: 2 } });
    try {
      const statuses = [];
      for (const path of ['/openapi.json', '/metrics', '/docs', '/openapi.yaml']) statuses.push((await own.request('GET', path, { token: TEST_METRICS_TOKEN })).status);
      assert.deepEqual(statuses, [200, 200, 429, 429]);
      for (let i = 0; i < 5; i++) {
        assert.equal((await own.request('GET', '/api/health')).status, 200);
        assert.equal((await own.request('GET', '/api/ready')).status, 200);
      }
    } finally {
      await own.close();
    }
  });

  it('when a user searches more than the search allowance, then 429 with Retry-After, and listing without q goes on', async () => {
    const searching = await startTestApp({ rateLimit: { enabled: true, perMinute: 100, searchesPerMinute: 2 } });
    try {
      const user = await newUser();
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await searching.request('GET', '/api/tasks?q=milk', { token: user.token }));
      assert.deepEqual(statuses.map((r) => r.status), [200, 200, 429]);
      assert.match(statuses[2]!.body.detail, /Too many searches: at most 2 a minute/);
      assert.ok(Number(statuses[2]!.headers.get('retry-after')) > 0);
      assert.equal((await searching.request('GET', '/api/tasks', { token: user.token })).status, 200);
      assert.equal((await searching.request('GET', '/api/tasks?q=milk', { token: (await newUser()).token })).status, 200, 'another user searches on');
    } finally {
      await searching.close();
    }
  });

  it('when readiness is asked a hundred times at once, then the database is asked once a second at most', async () => {
    let pings = 0;
    const count = (query: { sql: string }) => void (query.sql === 'select 1' && pings++);
    app.db.on('query', count);
    try {
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 100 }, () => app.request('GET', '/api/ready')));
      const spanMs = Date.now() - started;
      assert.ok(answers.every((r) => r.status === 200));
      // One query per window the hundred probes were spread over: one where they all come within a window
      // (a quiet machine), one more per window a busy machine spreads them across.
      const allowed = Math.floor(spanMs / READINESS_MAX_AGE_MS) + 1;
      assert.ok(pings <= allowed, `${pings} pings for probes spread over ${spanMs} ms (at most ${allowed})`);
    } finally {
      app.db.off('query', count);
    }
  });

  it('when a limited user writes, then nothing is written', async () => {
    const user = await newUser();
    for (let i = 0; i < 3; i++) await app.request('POST', '/api/tasks', { token: user.token, body: { title: `t${i}` } });
    const refused = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'one too many' } });
    assert.equal(refused.status, 429);
    assert.equal((await app.db('tasks').where({ user_id: user.id }).count<Array<{ n: number }>>({ n: '*' }))[0]!.n, 3);
  });
});

describe('rate limiting is off when disabled', () => {
  it('when RATE_LIMIT_ENABLED is false, then there are no RateLimit headers and no 429', async () => {
    const app = await startTestApp({ rateLimit: { enabled: false, perMinute: 1 } });
    try {
      const user = await newUser();
      for (let i = 0; i < 3; i++) {
        const res = await app.request('GET', '/api/tasks', { token: user.token });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('ratelimit'), null);
      }
    } finally {
      await app.close();
    }
  });
});

const redisUrl = testRedisUrl();
const redisAnswers = await (async () => {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
})();

describe('rate limiting shared through Redis', { skip: !redisAnswers && `no Redis answers at ${redisUrl} (set TEST_REDIS_URL)` }, () => {
  let first: TestApp;
  let second: TestApp;
  before(async () => {
    first = await startTestApp({ rateLimit: { enabled: true, perMinute: 3, redisUrl } });
    second = await startTestApp({ rateLimit: { enabled: true, perMinute: 3, redisUrl } });
  });
  after(async () => {
    await first.close();
    await second.close();
  });

  it('when one user spreads requests over two instances, then they share one allowance', async () => {
    const user = await newUser();
    const statuses = [
      (await first.request('GET', '/api/tasks', { token: user.token })).status,
      (await second.request('GET', '/api/tasks', { token: user.token })).status,
      (await first.request('GET', '/api/tasks', { token: user.token })).status,
      (await second.request('GET', '/api/tasks', { token: user.token })).status,
    ];
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await second.request('GET', '/api/tasks', { token: await signToken((await newUser()).id) })).status, 200);
  });
});

describe('rate limiting when Redis stops answering', { skip: !redisAnswers && `no Redis answers at ${redisUrl} (set TEST_REDIS_URL)` }, () => {
  it('when Redis stalls, then requests are answered uncounted and a warning is logged; once it answers, they are counted again', async () => {
    const { hostname, port } = new URL(redisUrl);
    const proxy = await startTcpProxy({ host: hostname, port: Number(port || 6379) });
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write(chunk: Buffer, _encoding, done) { warnings.push(String(chunk)); done(); } }));
    const app = await startTestApp({ logger, rateLimit: { enabled: true, perMinute: 100, redisUrl: `redis://127.0.0.1:${proxy.port}` } });
    try {
      const user = await newUser();
      assert.match((await app.request('GET', '/api/tasks', { token: user.token })).headers.get('ratelimit') ?? '', /; r=99;/);
      proxy.stall();
      const stalled = await app.request('GET', '/api/tasks', { token: user.token });
      assert.equal(stalled.status, 200, stalled.text);
      assert.equal(stalled.headers.get('ratelimit'), null, 'not counted: no allowance to report');
      assert.ok(warnings.some((line) => line.includes('Redis (rate limits) is unavailable')), warnings.join(''));
      proxy.resume();
      // The count sent while stalled reaches Redis on resume (its answer came too late to use): counted, uncounted.
      assert.match((await app.request('GET', '/api/tasks', { token: user.token })).headers.get('ratelimit') ?? '', /; r=9[78];/);
    } finally {
      proxy.resume();
      await app.close();
      await proxy.close();
    }
  });
});

