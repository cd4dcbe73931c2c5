import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { pino } from 'pino';
import { newUser, newUserId, signToken, startTestApp, TEST_SECRET, type TestApp } from '../helpers.js';

let app: TestApp;
const logged: Array<{ level: number; reqId?: string; err?: unknown }> = [];
before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as (typeof logged)[number]);
      done();
    },
  });
  app = await startTestApp({ logger: pino({ level: 'info' }, sink) });
});
after(() => app.close());

const unsigned = (payload: object, header: object = { alg: 'none', typ: 'JWT' }) =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;
const now = () => Math.floor(Date.now() / 1000);

describe('authentication with the shared secret (HS256)', () => {
  const rejects = (name: string, makeToken: () => Promise<string | undefined> | string | undefined, header?: string) => {
    it(`when ${name}, then 401 with a Bearer challenge, logged as an ordinary refusal`, async () => {
      const token = await makeToken();
      const requestId = `auth-${newUserId()}`;
      const res = await app.request('GET', '/api/tasks', {
        headers: { 'x-request-id': requestId, ...(header !== undefined ? { authorization: header } : token ? { authorization: `Bearer ${token}` } : {}) },
      });
      assert.equal(res.status, 401);
      const lines = logged.filter((line) => line.reqId === requestId);
      assert.deepEqual(lines.map((line) => [line.level, line.err]), [[30, undefined]], 'one info line, no error, no stack');
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const challenge = res.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer realm="tasks"/);
      if (token || header?.toLowerCase().startsWith('bearer')) assert.match(challenge, /error="invalid_token"/);
      else assert.doesNotMatch(challenge, /error=/);
    });
  };

  rejects('no token is sent', () => undefined);
  rejects('another scheme is used', () => undefined, 'Basic dXNlcjpwYXNz');
  rejects('the bearer value is empty', () => undefined, 'Bearer ');
  rejects('the token is not a JWT', () => 'not-a-jwt');
  rejects('the header has two tokens', () => undefined, 'Bearer a.b.c d.e.f');
  rejects('the token is signed with another secret', () => signToken(newUserId(), { secret: 'x'.repeat(40) }));
  rejects('the token has expired beyond the 30 s tolerance', () => signToken(newUserId(), { expiresIn: now() - 31 }));
  rejects('the token has no exp', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(newUserId()).sign(Buffer.from(TEST_SECRET)));
  rejects('the token has no sub', () => signToken(undefined));
  rejects('the sub is empty', () => signToken(''));
  rejects('the sub is not a string', () => signToken(undefined, { claims: { sub: 42 as unknown as string } }));
  rejects('the sub contains U+0000', () => signToken('user\u0000x'));
  rejects('the sub is longer than 255 characters', () => signToken('u'.repeat(256)));
  rejects('the token is not valid yet (nbf)', () => signToken(newUserId(), { claims: { nbf: now() + 120 } }));
  rejects('the token was issued in the future (iat)', () => signToken(newUserId(), { claims: { iat: now() + 120 } }));
  rejects('the token is unsigned (alg none)', () => unsigned({ sub: newUserId(), exp: now() + 60 }));
  rejects('the token claims HS512', () => signToken(newUserId(), { alg: 'HS512' }));
  rejects('the token claims EdDSA but no key set is configured', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    return new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setSubject(newUserId()).setExpirationTime('1m').sign(privateKey);
  });
  // A header alg a header value cannot carry (the 401's challenge quotes it): CR, LF, NUL, beyond U+00FF.
  for (const [what, alg] of [['CR LF', 'HS\r\n256'], ['NUL', 'HS\u0000256'], ['a character above U+00FF', 'HS\u0100'], ['a quote and a backslash', 'H"S\\']]) {
    const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
    rejects(`the header's alg holds ${what}`, () => `${header}.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2ln`);
  }
  rejects('the signature is stripped', async () => (await signToken(newUserId())).replace(/\.[^.]+$/, '.'));

  it('when the token expired less than 30 s ago, then it is still accepted (clock tolerance)', async () => {
    const token = await signToken(newUserId(), { expiresIn: now() - 10 });
    assert.equal((await app.request('GET', '/api/tasks', { token })).status, 200);
  });

  it('when the scheme is written in another case, then it is accepted', async () => {
    const token = await signToken(newUserId());
    assert.equal((await app.request('GET', '/api/tasks', { headers: { authorization: `bEaReR ${token}` } })).status, 200);
  });

  it('when no token is sent with a bad body, then 401 comes before 400', async () => {
    const res = await app.request('POST', '/api/tasks', { body: '{not json', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 401);
  });
});

describe('issuer and audience', () => {
  let strict: TestApp;
  before(async () => {
    strict = await startTestApp({ auth: { issuer: 'https://auth.example.com', audience: ['tasks-api'] } });
  });
  after(() => strict.close());

  it('when iss and aud match, then the token is accepted; when either is wrong or missing, then 401', async () => {
    const sub = newUserId();
    const good = await signToken(sub, { claims: { iss: 'https://auth.example.com', aud: 'tasks-api' } });
    assert.equal((await strict.request('GET', '/api/tasks', { token: good })).status, 200);
    for (const claims of [{ iss: 'https://evil.example.com', aud: 'tasks-api' }, { iss: 'https://auth.example.com', aud: 'other' }, {}]) {
      const token = await signToken(sub, { claims });
      assert.equal((await strict.request('GET', '/api/tasks', { token })).status, 401, JSON.stringify(claims));
    }
  });
});

describe('authentication with the Better Auth key set (JWKS)', () => {
  let jwksServer: Server;
  let jwks: { keys: JWK[] };
  let jwksUp = true;
  let fetches = 0;
  let withJwks: TestApp;
  const keys: Record<string, { privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; alg: string }> = {};

  const addKey = async (kid: string, alg: string) => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    keys[kid] = { privateKey, alg };
    jwks.keys.push({ ...(await exportJWK(publicKey)), kid, alg });
  };
  const signWith = (kid: string, sub: string, header: object = {}) =>
    new SignJWT({ email: 'a@example.com' })
      .setProtectedHeader({ alg: keys[kid]!.alg, kid, ...header })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(keys[kid]!.privateKey);

  before(async () => {
    jwks = { keys: [] };
    for (const [kid, alg] of [['ed', 'EdDSA'], ['es', 'ES256'], ['rs', 'RS256'], ['ps', 'PS256']] as const) await addKey(kid, alg);
    jwksServer = createServer((_req, res) => {
      fetches += 1;
      if (!jwksUp) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    withJwks = await startTestApp({ auth: { jwksUrl: new URL(`http://127.0.0.1:${port}/api/auth/jwks`) } });
  });
  after(async () => {
    await withJwks.close();
    jwksServer.closeAllConnections();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  for (const kid of ['ed', 'es', 'rs', 'ps']) {
    it(`when a token is signed with the ${kid} key of the key set, then it is accepted for its user only`, async () => {
      const sub = newUserId();
      const token = await signWith(kid, sub);
      const created = await withJwks.request('POST', `/api/${sub}/tasks`, { token, body: { title: `signed by ${kid}` } });
      assert.equal(created.status, 201);
      assert.equal((await withJwks.request('GET', `/api/${newUserId()}/tasks`, { token })).status, 403);
    });
  }

  it('when the signing key rotates to a new kid, then the key set is refetched and the token accepted', async () => {
    await addKey('rotated', 'EdDSA');
    const token = await signWith('rotated', newUserId());
    const before = fetches;
    assert.equal((await withJwks.request('GET', '/api/tasks', { token })).status, 200);
    assert.ok(fetches > before, 'an unknown kid triggers a refetch');
  });

  it('when the key set rotates twice within the refetch cooldown, then tokens of each new key are accepted, never refused', async () => {
    await addKey('first-rotation', 'EdDSA');
    assert.equal((await withJwks.request('GET', '/api/tasks', { token: await signWith('first-rotation', newUserId()) })).status, 200);
    await addKey('second-rotation', 'EdDSA'); // published right after the refetch the first rotation caused
    const tokens = await Promise.all(Array.from({ length: 5 }, () => signWith('second-rotation', newUserId())));
    const answers = await Promise.all(tokens.map((token) => withJwks.request('GET', '/api/tasks', { token })));
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 200]);
  });

  it('when a token is refused for a key the set does not have yet, then the refusal is not remembered: once the key is published, the same token is accepted', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: 'published-later' }).setSubject(newUserId()).setExpirationTime('5m').sign(privateKey);
    assert.equal((await withJwks.request('GET', '/api/tasks', { token })).status, 401);
    jwks.keys.push({ ...(await exportJWK(publicKey)), kid: 'published-later', alg: 'EdDSA' });
    assert.equal((await withJwks.request('GET', '/api/tasks', { token })).status, 200);
  });

  it('when tokens name kids the key set does not have, then 401 after one look at most per cooldown', async () => {
    const before = fetches;
    const { privateKey } = await generateKeyPair('EdDSA');
    const made = await Promise.all(
      Array.from({ length: 20 }, (_, i) => new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: `made-up-${i}` }).setSubject(newUserId()).setExpirationTime('5m').sign(privateKey)),
    );
    const answers = await Promise.all(made.map((token) => withJwks.request('GET', '/api/tasks', { token })));
    assert.ok(answers.every((r) => r.status === 401));
    assert.ok(fetches - before <= 3, `${fetches - before} fetches for 20 made-up kids`);
  });

  it('when a token comes from another Better Auth instance (same kid, other key), then 401', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: 'ed' }).setSubject(newUserId()).setExpirationTime('5m').sign(privateKey);
    const res = await withJwks.request('GET', '/api/tasks', { token });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  it('when the algorithm is swapped (RS256 key used as an HS256 secret), then 401', async () => {
    const rsa = jwks.keys.find((k) => k.kid === 'rs')!;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'rs' }).setSubject(newUserId()).setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(rsa)));
    assert.equal((await withJwks.request('GET', '/api/tasks', { token })).status, 401);
  });

  it('when a token names a key of another type (ES256 header on the EdDSA kid), then 401', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'ed' }).setSubject(newUserId()).setExpirationTime('5m')
      .sign(keys.es!.privateKey);
    assert.equal((await withJwks.request('GET', '/api/tasks', { token })).status, 401);
  });

  it('when the shared-secret token is used beside the key set, then it still works', async () => {
    assert.equal((await withJwks.request('GET', '/api/tasks', { token: await signToken(newUserId()) })).status, 200);
  });

  it('when the key set cannot be fetched, then 503 with Retry-After, not 401', async () => {
    jwksUp = false;
    try {
      await addKey('while-down', 'EdDSA');
      const res = await withJwks.request('GET', '/api/tasks', { token: await signWith('while-down', newUserId()) });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.equal(res.body.detail, 'The signing keys cannot be fetched right now.');
    } finally {
      jwksUp = true;
    }
  });
});

describe('isolation between users', () => {
  it("when one user asks for another's task by any operation, then 404 exactly as for a missing task", async () => {
    const owner = await newUser();
    const intruder = await newUser();
    const { body: task } = await app.request('POST', '/api/tasks', { token: owner.token, body: { title: 'Private' } });
    const missingId = task.id + 1_000_000;
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', ''],
      ['PUT', '', { title: 'Mine now' }],
      ['PATCH', '/complete'],
      ['PATCH', '/complete', { completed: true }],
      ['DELETE', ''],
    ];
    for (const [method, suffix, body] of attempts) {
      const foreign = await app.request(method, `/api/tasks/${task.id}${suffix}`, { token: intruder.token, body });
      const missing = await app.request(method, `/api/tasks/${missingId}${suffix}`, { token: intruder.token, body });
      assert.equal(foreign.status, 404, `${method} ${suffix}`);
      assert.deepEqual(
        { ...foreign.body, detail: '', instance: '', request_id: '' },
        { ...missing.body, detail: '', instance: '', request_id: '' },
        'same shape for foreign and missing',
      );
      const explicit = await app.request(method, `/api/${intruder.id}/tasks/${task.id}${suffix}`, { token: intruder.token, body });
      assert.equal(explicit.status, 404);
    }
    const list = await app.request('GET', '/api/tasks', { token: intruder.token });
    assert.deepEqual(list.body, []);
    const untouched = await app.request('GET', `/api/tasks/${task.id}`, { token: owner.token });
    assert.deepEqual(untouched.body, task, 'nothing the intruder did changed the task');
  });

  it("when the path names another user, then 403 before any lookup, even with a bad body or a bad id", async () => {
    const user = await newUser();
    const other = newUserId();
    for (const [method, path, body] of [
      ['GET', `/api/${other}/tasks`],
      ['POST', `/api/${other}/tasks`, '{broken'],
      ['GET', `/api/${other}/tasks/not-a-number`],
      ['PUT', `/api/${other}/tasks/1`, { nope: true }],
      ['DELETE', `/api/${other}/tasks/1`],
      ['PATCH', `/api/${other}/tasks/1/complete`],
    ] as const) {
      const res = await app.request(method, path, { token: user.token, body, headers: body ? { 'content-type': 'application/json' } : {} });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.status, 403);
    }
  });

  it('when a client tries to set id, user_id or timestamps, then 400 and nothing is written', async () => {
    const user = await newUser();
    const { body: task } = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Mine' } });
    for (const field of ['id', 'user_id', 'created_at', 'updated_at', 'completed_at']) {
      const value = field === 'id' ? 999 : field === 'user_id' ? newUserId() : '2020-01-01T00:00:00Z';
      const created = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'x', [field]: value } });
      assert.equal(created.status, 400, `create with ${field}`);
      assert.deepEqual(created.body.errors, [{ in: 'body', field: `/${field}`, message: 'is not a known field' }]);
      const updated = await app.request('PUT', `/api/tasks/${task.id}`, { token: user.token, body: { [field]: value } });
      assert.equal(updated.status, 400, `update with ${field}`);
    }
    const list = await app.request('GET', '/api/tasks', { token: user.token });
    assert.deepEqual(list.body, [task]);
  });

  it('when a user id is literally "tasks", then /api/tasks/tasks is the implicit task route (a bad id) and the longer explicit paths are theirs', async () => {
    const token = await signToken('tasks');
    await app.db('tasks').where({ user_id: 'tasks' }).delete(); // a fixed user id: this test owns its tasks
    const created = await app.request('POST', '/api/tasks/tasks', { token, body: { title: 'Mine' } });
    assert.equal(created.status, 201, 'POST reaches the explicit scope: the implicit one has no POST there');
    assert.equal(created.headers.get('location'), `/api/tasks/tasks/${created.body.id}`);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await app.request(method, '/api/tasks/tasks', { token, ...(method === 'PUT' ? { body: { title: 'x' } } : {}) });
      assert.equal(res.status, 400, method);
      assert.equal(res.body.errors[0].field, '/id', `${method}: "tasks" is read as a task id`);
    }
    assert.equal((await app.request('GET', `/api/tasks/tasks/${created.body.id}`, { token })).body.title, 'Mine');
    assert.equal((await app.request('PATCH', `/api/tasks/tasks/${created.body.id}/complete`, { token })).body.completed, true);
    assert.deepEqual((await app.request('GET', '/api/tasks', { token })).body.map((t: { title: string }) => t.title), ['Mine']);
    assert.equal((await app.request('DELETE', `/api/tasks/tasks/${created.body.id}`, { token })).status, 204);
  });

  it('when a user id contains characters that need escaping, then both scopes work for it', async () => {
    const id = `odd/user %?#é😀${newUserId()}`;
    const token = await signToken(id);
    const created = await app.request('POST', `/api/${encodeURIComponent(id)}/tasks`, { token, body: { title: 'Odd' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.user_id, id);
    const listed = await app.request('GET', '/api/tasks', { token });
    assert.deepEqual(listed.body.map((t: { id: number }) => t.id), [created.body.id]);
  });
});
