// `npm run token` as a developer runs it: its tokens must be accepted by this API as configured.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTokenVerifier } from '../../src/auth/tokens.js';
import type { AuthConfig } from '../../src/config/index.js';
import { PATH, workDir } from '../support/server-process.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/token.ts', import.meta.url));
const secret = 'y'.repeat(40);

function runTokenScript(cwd: string, env: Record<string, string>): string {
  return execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), SCRIPT, 'user_ada', '--email', 'ada@example.com'], {
    env: { PATH, NODE_ENV: 'test', BETTER_AUTH_SECRET: secret, ...env },
    cwd,
  })
    .toString()
    .trim();
}

describe('npm run token', () => {
  it('when JWT_ISSUER and JWT_AUDIENCE are set, then its token carries them and the API accepts it', async () => {
    const token = runTokenScript(await workDir(), { JWT_ISSUER: 'https://auth.example.com', JWT_AUDIENCE: 'https://api.example.com,tasks' });
    const auth: AuthConfig = { secret, jwksUrl: undefined, issuer: 'https://auth.example.com', audience: ['https://api.example.com', 'tasks'] };
    const principal = await createTokenVerifier(auth)(token);
    const { expiresAt, ...claims } = principal;
    assert.deepEqual(claims, { id: 'user_ada', email: 'ada@example.com', name: null });
    assert.ok(expiresAt > Date.now(), 'it says when the token expires');
  });

  it('when neither is set, then its token has no iss or aud, and an API that requires them refuses it', async () => {
    const token = runTokenScript(await workDir(), {});
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(payload.iss, undefined);
    assert.equal(payload.aud, undefined);
    await assert.rejects(createTokenVerifier({ secret, jwksUrl: undefined, issuer: 'https://auth.example.com', audience: undefined })(token), /"iss"/);
  });
});
