// bearerAuth remembers tokens that passed, so a session pays for jose once. What it remembers must never
// outlive the token, nor vouch for any string but the exact one that was verified.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { bearerAuth } from '../../src/auth/security.js';
import { CLOCK_TOLERANCE_SECONDS, createTokenVerifier } from '../../src/auth/tokens.js';
import { Problem } from '../../src/contract/problem.js';
import { signToken, TEST_SECRET } from '../support/tokens.js';

const auth = { secret: TEST_SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined };
const bearer = () => {
  const check = bearerAuth(createTokenVerifier(auth));
  return (token: string) => check(`Bearer ${token}`);
};
const refused = (detail: RegExp) => (error: unknown) => error instanceof Problem && error.status === 401 && detail.test(error.detail);

describe('remembered tokens', () => {
  it('when a remembered token expires, then it is refused like any expired token', async () => {
    const verify = bearer();
    // Expired, but inside the clock tolerance for 1.5 to 2.5 s more, wherever the second boundary falls.
    const exp = Math.ceil(Date.now() / 1000 + 1.5) - CLOCK_TOLERANCE_SECONDS;
    const token = await signToken('user-a', { expiresIn: exp });
    assert.equal((await verify(token)).id, 'user-a');
    assert.equal((await verify(token)).id, 'user-a'); // remembered
    await sleep((exp + CLOCK_TOLERANCE_SECONDS) * 1000 - Date.now() + 100);
    await assert.rejects(verify(token), refused(/expired/));
  });

  it('when a token differs from a remembered one by one character, then it is verified afresh and refused', async () => {
    const verify = bearer();
    const token = await signToken('user-a');
    await verify(token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = signature[10] === 'A' ? 'B' : 'A'; // mid-signature: every bit of it counts
    const otherUser = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('user-a', 'user-b')).toString('base64url');
    for (const forged of [`${header}.${payload}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`, `${header}.${otherUser}.${signature}`]) {
      await assert.rejects(verify(forged), refused(/./), forged);
    }
    assert.equal((await verify(token)).id, 'user-a');
  });

});
