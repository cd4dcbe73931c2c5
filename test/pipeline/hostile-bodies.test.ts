// Bodies as an attacker sends them, over bare sockets: lying lengths, endless uploads, compression, bodies
// that decode twice, bodies built to make the error list explode, and bytes dripped slowly.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { BODY_LIMIT_BYTES } from '../../src/pipeline/body.js';
import { SERVER_TIMEOUTS, TIMEOUTS_CHECKED_EVERY_MS } from '../../src/pipeline/server.js';
import { MAX_FIELD_ERRORS } from '../../src/contract/problem.js';
import { newUser, startTestApp, TEST_METRICS_TOKEN, type TestApp } from '../helpers.js';
import { endlessChunks, rawRequest } from '../support/raw-http.js';

// "At once" means before any deadline of the server's own could have produced the answer: a server that
// waited for the body would answer only when its headers or request timeout fired (the earliest is
// headersMs), so an answer sooner than that came from the check itself, however busy the machine.
const AT_ONCE_MS = SERVER_TIMEOUTS.headersMs;
const SLOW_TIMEOUTS = { ...SERVER_TIMEOUTS, headersMs: 1000, requestMs: 2000 };
// A slow sender is cut off by those timeouts, which Node checks every TIMEOUTS_CHECKED_EVERY_MS; the margin is
// the machine's lateness on top.
const CUT_OFF_MARGIN_MS = 1500;

let app: TestApp;
let slow: TestApp;
let user: { id: string; token: string };
before(async () => {
  app = await startTestApp();
  slow = await startTestApp({ timeouts: SLOW_TIMEOUTS });
  user = await newUser();
});
after(async () => {
  await app.close();
  await slow.close();
});

const head = (line: string, headers: Record<string, string | undefined>) =>
  `${line} HTTP/1.1\r\nHost: test\r\n${Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
const json = { 'Content-Type': 'application/json' };
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('bodies over the limit', () => {
  for (const [who, token] of [['a valid token', () => user.token], ['an invalid token', () => 'not.a.token']] as const) {
    it(`when Content-Length declares 50 MB (with ${who}), then 413 at once, before any of the body, and the connection is closed`, async () => {
      const res = await rawRequest(app.port, head('POST /api/tasks', { ...json, ...bearer(token()), 'Content-Length': '50000000' }));
      assert.equal(res.status, 413);
      assert.equal(JSON.parse(res.body).status, 413);
      assert.equal(res.headers.connection, 'close');
      assert.ok(res.closed, 'the server closed the connection');
      assert.ok(res.ms < AT_ONCE_MS, `answered in ${res.ms} ms`);
    });
  }

  it('when a chunked body never ends, then 413 as soon as it passes the limit, and the connection is closed', async () => {
    const res = await rawRequest(app.port, head('POST /api/tasks', { ...json, ...bearer(user.token), 'Transfer-Encoding': 'chunked' }), { feed: endlessChunks });
    assert.equal(res.status, 413);
    assert.equal(res.headers.connection, 'close');
    assert.ok(res.closed, 'the server closed the connection');
    assert.ok(res.ms < AT_ONCE_MS, `answered in ${res.ms} ms`);
  });

  it('when 50 MB are declared to a route that takes no body, then it answers as usual, unread, and closes the connection', async () => {
    const res = await rawRequest(app.port, head('GET /api/health', { 'Content-Length': '50000000' }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close');
    assert.ok(res.closed && res.ms < AT_ONCE_MS);
  });

  it('when the body is under the limit but its declared length is not, then 413 all the same', async () => {
    const res = await rawRequest(app.port, head('PUT /api/tasks/1', { ...json, ...bearer(user.token), 'Content-Length': String(BODY_LIMIT_BYTES + 1) }));
    assert.equal(res.status, 413);
  });
});

describe('requests refused before their body matters', () => {
  const refusals: Array<[string, string, () => Record<string, string>]> = [
    ['401 (bad token)', 'POST /api/tasks', () => bearer('not.a.token')],
    ['401 (no token)', 'POST /api/tasks', () => ({})],
    ['403 (another user’s path)', 'POST /api/someone-else/tasks', () => bearer(user.token)],
    ['404 (no such route)', 'POST /api/nowhere', () => bearer(user.token)],
    ['405 (wrong method)', 'POST /api/tasks/1', () => bearer(user.token)],
    ['200 (a route that takes no body)', 'GET /api/health', () => ({})],
  ];
  for (const [what, line, headers] of refusals) {
    it(`when an endless body is sent with a request answered ${what}, then it is answered at once, unread, and the connection is closed`, async () => {
      const res = await rawRequest(app.port, head(line, { ...json, ...headers(), 'Transfer-Encoding': 'chunked' }), { feed: endlessChunks });
      assert.equal(res.status, Number(what.slice(0, 3)));
      assert.equal(res.headers.connection, 'close');
      assert.ok(res.closed, 'the server closed the connection');
      assert.ok(res.ms < AT_ONCE_MS, `answered in ${res.ms} ms`);
    });
  }

  it('when an endless body is sent by a client over its rate limit, then 429 at once, unread, and the connection is closed', async () => {
    const limited = await startTestApp({ rateLimit: { enabled: true, perMinute: 1 } });
    try {
      const owner = await newUser();
      assert.equal((await limited.request('GET', '/api/tasks', { token: owner.token })).status, 200, 'spends the allowance');
      const res = await rawRequest(limited.port, head('POST /api/tasks', { ...json, ...bearer(owner.token), 'Transfer-Encoding': 'chunked' }), { feed: endlessChunks });
      assert.equal(res.status, 429);
      assert.equal(res.headers.connection, 'close');
      assert.ok(res.closed, 'the server closed the connection');
      assert.ok(res.ms < AT_ONCE_MS, `answered in ${res.ms} ms`);
    } finally {
      await limited.close();
    }
  });

  it('when a client asks for 100 Continue with a bad token, then it gets the 401 and no invitation to send the body', async () => {
    const res = await rawRequest(app.port, head('POST /api/tasks', { ...json, ...bearer('bad'), 'Content-Length': '100', Expect: '100-continue' }));
    assert.equal(res.status, 401);
  });

  it('when a client asks for 100 Continue with a valid token, then it is invited, and its task is created', async () => {
    const body = JSON.stringify({ title: 'After 100 Continue' });
    const res = await rawRequest(app.port, head('POST /api/tasks', { ...json, ...bearer(user.token), 'Content-Length': String(body.length), Expect: '100-continue' }), {
      closeWithinMs: 200,
      feed: (socket, sent) => {
        socket.once('data', (chunk) => {
          assert.match(chunk.toString(), /^HTTP\/1\.1 100 Continue/);
          socket.write(body);
          sent(body.length);
        });
      },
    });
    // The first head rawRequest sees is the 100; the 201 follows it on the same connection.
    assert.equal(res.status, 100);
    const list = await app.request('GET', '/api/tasks', { token: user.token });
    assert.ok(list.body.some((t: { title: string }) => t.title === 'After 100 Continue'));
  });

  it('when a small body of declared length comes with a refused request, then the connection stays usable', async () => {
    const res = await app.request('POST', '/api/tasks', { body: { title: 'x' } });
    assert.equal(res.status, 401);
    assert.notEqual(res.headers.get('connection'), 'close');
  });
});

describe('compressed and twice-encoded bodies', () => {
  it('when a body is gzip-compressed, then 415 and it is never inflated', async () => {
    const res = await app.request('POST', '/api/tasks', {
      token: user.token,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ title: 'Compressed' })) as unknown as string,
    });
    assert.equal(res.status, 415);
    assert.match(res.body.detail, /compressed/);
  });

  it('when a gzip bomb of nested bad names is sent to the service routes, then each answers as usual, small and unread', async () => {
    // 16 KiB inflated: a key that is a lone surrogate, nested 1,489 levels (the security review's payload).
    let nested = '1';
    for (let i = 0; i < 1489; i++) nested = `{"\\ud800":${nested}}`;
    const bomb = gzipSync(nested);
    for (const path of ['/api/health', '/metrics', '/openapi.json', '/docs']) {
      const res = await rawRequest(app.port, head(`GET ${path}`, { ...json, 'Content-Encoding': 'gzip', 'Content-Length': String(bomb.length), Authorization: `Bearer ${TEST_METRICS_TOKEN}` }), {
        feed: (socket) => void socket.write(bomb),
      });
      assert.equal(res.status, 200, path);
      assert.doesNotMatch(res.headers['content-type'] ?? '', /problem/, `${path}: its own answer, not a problem about the body`);
      assert.ok(res.ms < AT_ONCE_MS, `${path}: answered in ${res.ms} ms`);
    }
    // And to an operation that takes a body: refused as compressed, in a few hundred bytes.
    const refused = await rawRequest(app.port, head('POST /api/tasks', { ...json, ...bearer(user.token), 'Content-Encoding': 'gzip', 'Content-Length': String(bomb.length) }), {
      feed: (socket) => void socket.write(bomb),
    });
    assert.equal(refused.status, 415);
    assert.ok(refused.body.length < 1000, `a problem of ${refused.body.length} bytes`);
  });

  it('when the JSON body is a string that holds JSON, then it is decoded once (a 400) and nothing changes', async () => {
    const owner = await newUser();
    const { body: task } = await app.request('POST', '/api/tasks', { token: owner.token, body: { title: 'Unchanged' } });
    const twice = JSON.stringify(JSON.stringify({ title: 'Changed', completed: true }));
    const attempts = [
      app.request('POST', '/api/tasks', { token: owner.token, headers: json, body: twice }),
      app.request('PUT', `/api/tasks/${task.id}`, { token: owner.token, headers: json, body: twice }),
      app.request('PATCH', `/api/tasks/${task.id}/complete`, { token: owner.token, headers: json, body: JSON.stringify(JSON.stringify({ completed: true })) }),
    ];
    for (const res of await Promise.all(attempts)) {
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.errors[0].in, 'body');
    }
    const list = await app.request('GET', '/api/tasks', { token: owner.token });
    assert.deepEqual(list.body.map((t: { title: string; completed: boolean }) => [t.title, t.completed]), [['Unchanged', false]]);
  });
});

describe('error lists a hostile body cannot blow up', () => {
  it('when a body has a thousand unknown fields, then the problem lists the first few and stays small', async () => {
    const body = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, 1]));
    const res = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'x', ...body } });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors.length, MAX_FIELD_ERRORS);
    assert.match(res.body.detail, /and 999 more/);
    assert.ok(res.text.length < 4000, `${res.text.length} bytes`);
  });

  it('when a body nests bad names a thousand levels deep, then the problem stays small', async () => {
    let nested = '"x"';
    for (let i = 0; i < 1000; i++) nested = `{"\\ud800":${nested}}`;
    const res = await app.request('POST', '/api/tasks', { token: user.token, headers: json, body: nested });
    assert.equal(res.status, 400);
    assert.ok(res.body.errors.length <= MAX_FIELD_ERRORS);
    assert.ok(res.text.length < 8000, `${res.text.length} bytes`);
  });

  it('when a field name is kilobytes long, then the problem names it shortened', async () => {
    const res = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'x', ['k'.repeat(10_000)]: 1 } });
    assert.equal(res.status, 400);
    assert.ok(res.text.length < 2000, `${res.text.length} bytes`);
    assert.match(res.body.errors[0].field, /^\/k+…$/);
  });
});

describe('slow senders', () => {
  it('when the headers drip in too slowly, then 408 and the connection is closed', async () => {
    const res = await rawRequest(slow.port, 'GET /api/health HTTP/1.1\r\n', {
      feed: (socket) => {
        const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 300);
        return () => clearInterval(drip);
      },
    });
    assert.equal(res.status, 408);
    assert.equal(JSON.parse(res.body).status, 408);
    assert.ok(res.closed);
    assert.ok(res.ms < SLOW_TIMEOUTS.headersMs + TIMEOUTS_CHECKED_EVERY_MS + CUT_OFF_MARGIN_MS, `cut off after ${res.ms} ms`);
  });

  it('when a body drips in too slowly, then 408 and the connection is closed', async () => {
    const res = await rawRequest(slow.port, head('POST /api/tasks', { ...json, ...bearer(user.token), 'Content-Length': '1000' }), {
      feed: (socket) => {
        const drip = setInterval(() => socket.write(' '), 300);
        return () => clearInterval(drip);
      },
    });
    assert.equal(res.status, 408);
    assert.ok(res.closed);
    assert.ok(res.ms < SLOW_TIMEOUTS.requestMs + TIMEOUTS_CHECKED_EVERY_MS + CUT_OFF_MARGIN_MS, `cut off after ${res.ms} ms`);
  });
});
