// The real entry point (src/main.ts) as a newcomer runs it: its own process, its own working directory.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { testDatabaseUrl } from '../support/settings.js';
import { blockingDirectory } from '../../src/db/embedded-as-root.js';
import { createDb } from '../../src/db/knex.js';
import { holdRow } from '../support/row-lock.js';
import { until } from '../support/until.js';
import { newUserId, signToken } from '../helpers.js';
import { runDevSecret, startServer, workDir } from '../support/server-process.js';

const api = (port: number, path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, init);
const secretIn = (dir: string) => /^BETTER_AUTH_SECRET=(.+)$/m.exec(readFileSync(join(dir, '.env'), 'utf8'))?.[1];

async function firstAndSecondStart(user?: { uid: number; gid: number }) {
  const dir = await workDir(user);
  assert.match(runDevSecret(dir, { NODE_ENV: 'development' }, user), /generated one and saved it/);
  const first = await startServer(dir, { NODE_ENV: 'development' }, user);
  const secret = secretIn(dir);
  assert.ok(secret && secret.length >= 32, 'a strong secret was generated into .env');
  assert.ok(existsSync(join(dir, '.data', 'postgres', 'PG_VERSION')), 'the cluster lives under .data/');
  assert.doesNotMatch(first.output(), /listening on 127\.0\.0\.1:5432\b/);
  assert.equal((await api(first.port, '/api/ready')).status, 200);

  const sub = newUserId();
  const token = await signToken(sub, { secret });
  const created = await api(first.port, '/api/tasks', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Survives restarts' }),
  });
  assert.equal(created.status, 201);
  assert.equal(await first.stop(), 0, 'SIGTERM exits 0');
  assert.ok(!existsSync(join(dir, '.data', 'postgres', 'postmaster.pid')), 'the embedded PostgreSQL was stopped');

  assert.equal(runDevSecret(dir, { NODE_ENV: 'development' }, user), '', 'nothing to generate the second time');
  const second = await startServer(dir, { NODE_ENV: 'development' }, user);
  try {
    assert.equal(secretIn(dir), secret, 'the secret is generated once');
    const list = (await (await api(second.port, '/api/tasks', { headers: { authorization: `Bearer ${token}` } })).json()) as Array<{ title: string }>;
    assert.deepEqual(list.map((t) => t.title), ['Survives restarts']);
  } finally {
    assert.equal(await second.stop('SIGINT'), 0, 'SIGINT exits 0 too');
  }
}

describe('the server process', () => {
  it('when started with nothing configured, then it runs on an embedded PostgreSQL whose data and secret survive restarts', async () => {
    await firstAndSecondStart();
  });

  it('when started by root, then it also works as an unprivileged user', { skip: process.getuid?.() !== 0 && 'not running as root' }, async (t) => {
    const uid = Number(execFileSync('id', ['-u', 'nobody']).toString());
    const gid = Number(execFileSync('id', ['-g', 'nobody']).toString());
    // A checkout in a private directory (root's own, or a mktemp -d) is code that user cannot even load.
    const blocked = await blockingDirectory(fileURLToPath(new URL('../..', import.meta.url)), { uid, gid });
    if (blocked) return t.skip(`nobody cannot enter ${blocked}, so cannot run this checkout`);
    await firstAndSecondStart({ uid, gid });
  });

  it('when NODE_ENV=production and there is no secret, then it refuses to start and writes nothing', async () => {
    const dir = await workDir();
    assert.equal(runDevSecret(dir, { NODE_ENV: 'production' }), '', "npm start's script generates nothing in production");
    await assert.rejects(startServer(dir, { NODE_ENV: 'production' }), /BETTER_AUTH_SECRET is not set/);
    assert.ok(!existsSync(join(dir, '.env')));
    await assert.rejects(startServer(dir, { NODE_ENV: 'production', BETTER_AUTH_SECRET: 'too-short' }), /at least 32 characters/);
  });

  it('when started without a secret and without npm start\'s script, then the server refuses to start and writes no .env itself', async () => {
    const dir = await workDir();
    await assert.rejects(startServer(dir, { NODE_ENV: 'development' }), /BETTER_AUTH_SECRET is not set/);
    assert.ok(!existsSync(join(dir, '.env')));
  });

  it('when SIGTERM arrives mid-request, then that request completes, new connections are refused, and it exits 0', async () => {
    const dir = await workDir();
    const secret = 'x'.repeat(40);
    const server = await startServer(dir, { NODE_ENV: 'development', DATABASE_URL: testDatabaseUrl()!, BETTER_AUTH_SECRET: secret });
    const db = createDb(testDatabaseUrl()!, { bounds: false });
    try {
      const sub = newUserId();
      const token = await signToken(sub, { secret });
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const created = await (await api(server.port, '/api/tasks', { method: 'POST', headers, body: JSON.stringify({ title: 'Slow' }) })).json() as { id: number };
      // Hold the task's row lock, so the update below stays in flight until we let go.
      const { trx, waiters } = await holdRow(db, sub, created.id);
      const inFlight = api(server.port, `/api/tasks/${created.id}`, { method: 'PUT', headers, body: JSON.stringify({ title: 'Finished' }) });
      await until(async () => (await waiters()) === 1);
      const exited = server.stop('SIGTERM');
      await server.waitFor(/SIGTERM: finishing the requests in flight/);
      // While the update is held, the listener closes: new connections are refused (it may take a moment).
      await until(() => api(server.port, '/api/health').then(() => false, () => true));
      await trx.commit();
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { title: string }).title, 'Finished');
      assert.equal(await exited, 0);
    } finally {
      await db.destroy();
    }
  });
});
