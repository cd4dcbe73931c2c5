// The knex CLI as knex users run it, through knexfile.ts: the same migrations, by the same names, as the
// server's start-up.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDb } from '../../src/db/knex.js';
import { migrationStatus } from '../../migrations/migrate.js';
import { migrations } from '../../migrations/index.js';
import { testDatabaseUrl } from '../support/settings.js';
import { knexCli, npmRun, ROOT } from '../support/cli.js';

const names = Object.keys(migrations);
const knex = (databaseUrl: string, ...args: string[]) => knexCli({ DATABASE_URL: databaseUrl }, ...args);
const UNREACHABLE = 'postgres://nobody@127.0.0.1:1/none';

describe('knexfile.ts and the knex CLI', () => {
  it('when `npx knex` runs on a fresh database, then status, latest and rollback work, by the names the server records', async () => {
    const admin = createDb(testDatabaseUrl()!, { bounds: false });
    const name = `tasks_knex_cli_${randomBytes(4).toString('hex')}`;
    await admin.raw(`create database ${name}`);
    const url = new URL(testDatabaseUrl()!);
    url.pathname = `/${name}`;
    const db = createDb(url.href, { bounds: false });
    try {
      const fresh = knex(url.href, 'migrate:status');
      assert.match(fresh, new RegExp(`Found ${names.length} Pending Migration`));
      for (const migration of names) assert.match(fresh, new RegExp(migration));
      assert.match(knex(url.href, 'migrate:latest'), new RegExp(`Batch 1 run: ${names.length} migrations`));
      assert.deepEqual(await migrationStatus(db), { applied: names, pending: [] }, 'the server sees what the CLI applied');
      assert.match(knex(url.href, 'migrate:status'), /No Pending Migration files Found/);
      assert.match(knex(url.href, 'migrate:rollback', '--all'), new RegExp(`rolled back: ${names.length} migrations`));
      assert.deepEqual(await migrationStatus(db), { applied: [], pending: names });
    } finally {
      await db.destroy();
      await admin.raw(`drop database ${name} with (force)`);
      await admin.destroy();
    }
  });

  it('when `npx knex migrate:make` writes a migration, then it is written from the project’s stub', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tasks-api-make-'));
    try {
      knex('postgres://unused@127.0.0.1:1/none', 'migrate:make', 'add_something', '--migrations-directory', dir);
      const [file] = await readdir(dir);
      assert.match(file ?? '', /^\d{14}_add_something\.ts$/);
      assert.equal(await readFile(join(dir, file!), 'utf8'), await readFile(join(ROOT, 'migrations', 'migration.stub'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('when DATABASE_DIRECT_URL is set beside a pooled DATABASE_URL, then the knex CLI and npm run migrate go by the direct one', () => {
    // The pooled URL leads nowhere here: a tool that took it would fail to connect.
    const env = { DATABASE_URL: UNREACHABLE, DATABASE_DIRECT_URL: testDatabaseUrl()!, BETTER_AUTH_SECRET: 'd'.repeat(40), LOG_LEVEL: 'silent' };
    assert.match(knexCli(env, 'migrate:status'), /No Pending Migration files Found/);
    assert.deepEqual(JSON.parse(npmRun(env, 'migrate', 'status')).pending, []);
  });
});
