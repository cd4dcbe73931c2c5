// When the client asks for a token: none held, the held one near its exp (read unverified), or on demand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimsOf, tokenSource } from '../../packages/client/src/tokens.js';

/** An unsigned JWT with these claims: the client never verifies, so the signature does not matter. */
const jwt = (claims: object) => `eyJhbGciOiJFZERTQSJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('the client’s token source', () => {
  it('when a JWT is read, then exp and iat come out, and anything else is not a readable token', () => {
    assert.deepEqual(claimsOf(jwt({ sub: 'u', exp: 2000, iat: 1100 })), { exp: 2000, iat: 1100 });
    assert.deepEqual(claimsOf(jwt({ exp: 2000, name: 'Zoë ✓' })), { exp: 2000 }, 'UTF-8 and base64url padding');
    for (const token of ['opaque', 'a.b.c', jwt({ sub: 'u' }), jwt({ exp: '2000' })]) assert.equal(claimsOf(token), undefined, token);
  });

  it('when a token is held far from its exp, then it is reused; within the margin, a new one is asked for', async () => {
    let now = 1_000_000;
    let calls = 0;
    const source = tokenSource(() => (calls++, jwt({ exp: now / 1000 + 900, iat: now / 1000 })), 60, () => now);
    const first = await source.current();
    now += 800_000; // 100 s before exp
    assert.equal(await source.current(), first);
    now += 50_000; // 50 s before exp: within the margin
    assert.notEqual(await source.current(), first);
    assert.equal(calls, 2);
    assert.equal(source.fetched, 2);
  });

  it('when a token lives shorter than four margins, then it is reused for three quarters of its life', async () => {
    let now = 0;
    const source = tokenSource(() => jwt({ exp: now / 1000 + 20, iat: now / 1000 }), 60, () => now);
    await source.current();
    now = 14_000;
    await source.current();
    assert.equal(source.fetched, 1);
    now = 15_000;
    await source.current();
    assert.equal(source.fetched, 2);
  });

  it('when callers ask at once, then getToken runs once; fresh() always asks; an unreadable token is never reused', async () => {
    let calls = 0;
    const slow = tokenSource(async () => (calls++, await new Promise((resolve) => setTimeout(resolve, 20)), jwt({ exp: Date.now() / 1000 + 900 })), 60);
    const tokens = await Promise.all([slow.current(), slow.current(), slow.current()]);
    assert.equal(new Set(tokens).size, 1);
    assert.equal(calls, 1);
    await slow.fresh();
    assert.equal(calls, 2);

    const opaque = tokenSource(() => 'opaque-token', 60);
    await opaque.current();
    await opaque.current();
    assert.equal(opaque.fetched, 2);
    const none = tokenSource(() => undefined, 60);
    assert.equal(await none.current(), undefined);
  });
});
