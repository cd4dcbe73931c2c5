// Behind PgBouncer in transaction mode with its default settings (Debian's 1.18: no prepared-statement
// support, startup parameters refused), as Neon's and Supabase's pooled URLs are: the API detects it or is
// told, sends no named statements, migrates through it, and answers with no 500.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { createDb } from '../../src/db/knex.js';
import { migrateLatest, migrationStatus } from '../../migrations/migrate.js';
import { migrations } from '../../migrations/index.js';
import { pgbouncerInstalled, startPgBouncer, type PgBouncer } from '../support/pgbouncer.js';
import { startServer, workDir } from '../support/server-process.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { testDatabaseUrl } from '../support/settings.js';
import { newUserId, signToken } from '../support/tokens.js';

const quiet = { info: () => {}, debug: () => {}, warn: () => {} };
let bouncer: PgBouncer;
const scratch: string[] = [];

before(async () => {
  if (pgbouncerInstalled()) bouncer = await startPgBouncer(testDatabaseUrl()!);
});
after(async () => {
  const admin = createDb(testDatabaseUrl()!, { bounds: false });
  for (const name of scratch) await admin.raw(`drop database if exists ${name} with (force)`);
  await admin.destroy();
  await bouncer?.stop();
});

async function scratchDatabase(): Promise<string> {
  const admin = createDb(testDatabaseUrl()!, { bounds: false });
  const name = `tasks_pooled_${randomBytes(4).toString('hex')}`;
  await admin.raw(`create database ${name}`);
  await admin.destroy();
  scratch.push(name);
  return name;
}

describe('behind PgBouncer in transaction mode', { skip: !pgbouncerInstalled() && 'pgbouncer is not installed (.ci/run installs Debian’s)' }, () => {
  it('when the API is given PgBouncer’s URL and nothing else, then it finds the pooler at start and serves a concurrent load with no 500', async () => {
    const secret = 'z'.repeat(40);
    const server = await startServer(await workDir(), { NODE_ENV: 'production', WEB_CONCURRENCY: '1', RATE_LIMIT_ENABLED: 'false', DATABASE_URL: bouncer.url(), BETTER_AUTH_SECRET: secret });
    try {
      assert.match(server.output(), /running as behind a transaction pooler/);
      assert.match(server.output(), /statement_timeout is 0\): ALTER ROLE <role> SET statement_timeout = '2500ms'/, 'the test server has no timeout on its role');
      assert.doesNotMatch(server.output(), /Acquire connection error|\n\s+at /, 'the refused startup parameter is told in one line, without a stack');
      const statuses = new Map<number, number>();
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const token = await signToken(newUserId(), { secret });
          // As a client does: a 503 (the database did not answer in time, which a machine under load can
          // cause) is retried once its Retry-After has passed; anything else is the answer.
          const call = async (method: string, path: string, body?: object): Promise<{ id: number } | undefined> => {
            const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
              method,
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: body ? JSON.stringify(body) : undefined,
            });
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status === 503) {
              const retryAfter = Number(res.headers.get('retry-after'));
              assert.ok(retryAfter > 0, `a 503 says when to try again: ${await res.text()}`);
              await res.arrayBuffer().catch(() => undefined);
              await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
              return call(method, path, body);
            }
            if (res.status >= 300) assert.fail(`${method} ${path} → ${res.status} ${await res.text()}`);
            return res.status !== 204 ? ((await res.json()) as { id: number }) : undefined;
          };
          for (let i = 0; i < 8; i++) {
            const { id } = (await call('POST', '/api/tasks', { title: `pooled ${i}` }))!;
            await call('GET', `/api/tasks/${id}`);
            await call('PUT', `/api/tasks/${id}`, { title: 'renamed' });
            await call('PATCH', `/api/tasks/${id}/complete`);
            await call('GET', '/api/tasks?limit=5');
            if (i % 2) await call('DELETE', `/api/tasks/${id}`);
          }
        }),
      );
      assert.deepEqual([...statuses.keys()].filter((status) => status >= 500 && status !== 503), [], JSON.stringify([...statuses]));
      // Every step of every client answered as it should: 25 clients × 8 rounds.
      assert.deepEqual([statuses.get(201), statuses.get(200), statuses.get(204)], [200, 800, 100], JSON.stringify([...statuses]));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('when instances migrate a fresh database through the pooler at once, then one migrates and the other finds nothing to do', async () => {
    const url = `${bouncer.url(await scratchDatabase())}?pgbouncer=true`;
    const [a, b] = [createDb(url, { bounds: false, poolMax: 2 }), createDb(url, { bounds: false, poolMax: 2 })];
    try {
      const applied = await Promise.all([migrateLatest(a), migrateLatest(b)]);
      assert.deepEqual(applied.map((names) => names.length).sort(), [0, Object.keys(migrations).length]);
      assert.deepEqual(await migrationStatus(a), { applied: Object.keys(migrations), pending: [] });
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('when a direct URL is given beside the pooled one, then migrations go by it, and requests by the pooler', async () => {
    const name = await scratchDatabase();
    // The direct way goes through a proxy that counts its connections.
    const server = new URL(testDatabaseUrl()!);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const direct = new URL(server.href);
    direct.host = `127.0.0.1:${proxy.port}`;
    direct.pathname = `/${name}`;
    const database = await openDatabase({ databaseUrl: bouncer.url(name), databaseDirectUrl: direct.href, dataDir: '/nonexistent' }, quiet);
    try {
      assert.equal((await database.schema(migrateLatest)).length, Object.keys(migrations).length);
      const byDirect = proxy.connections;
      assert.ok(byDirect > 0, 'the migrations connected by the direct URL');
      assert.deepEqual(await migrationStatus(database.db), { applied: Object.keys(migrations), pending: [] });
      await database.db.raw('select 1');
      assert.equal(proxy.connections, byDirect, 'requests go by the pooler');
    } finally {
      await database.close();
      await proxy.close();
    }
  });

  it('when the database bounds statements itself, then behind the pooler nothing is said; when it does not, a warning says how', async () => {
    const [unbounded, bounded] = [await scratchDatabase(), await scratchDatabase()];
    const admin = createDb(testDatabaseUrl()!, { bounds: false });
    await admin.raw(`alter database ${bounded} set statement_timeout = '2500ms'`);
    await admin.destroy();
    const warningsOpening = async (name: string) => {
      const warnings: string[] = [];
      const database = await openDatabase({ databaseUrl: bouncer.url(name), databasePooler: 'transaction', dataDir: '/nonexistent' }, { ...quiet, warn: (m) => warnings.push(m) });
      await database.close();
      return warnings;
    };
    assert.equal((await warningsOpening(unbounded)).filter((w) => /ALTER ROLE/.test(w)).length, 1);
    assert.deepEqual(await warningsOpening(bounded), []);
  });
});
