// Migrations, run at start-up and by `npm run migrate`. Several instances may start at once: a session-level
// advisory lock serializes them, so the first migrates and the others find nothing left to do (knex's own
// lock table would make them fail instead).
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { migrations } from '../../migrations/index.js';

const MIGRATION_LOCK_KEY = 7_307_113_001; // any constant shared by every instance of this service

/**
 * The migrations as knex sees them, for the server and for the knex CLI (knexfile.ts) alike: the list in
 * migrations/index.ts, by the names knex records. New ones are written into migrations/ from its stub.
 */
export const MIGRATIONS: Knex.MigratorConfig = {
  tableName: 'knex_migrations',
  // Each migration is `{ file }`, the shape knex's CLI prints pending migrations by.
  migrationSource: {
    getMigrations: () => Promise.resolve(Object.keys(migrations).map((file) => ({ file }))),
    getMigrationName: ({ file }: { file: string }) => file,
    getMigration: ({ file }: { file: string }) => Promise.resolve(migrations[file]!),
  },
  extension: 'ts',
  stub: fileURLToPath(new URL('../../migrations/migration.stub', import.meta.url)),
};
const config = MIGRATIONS;

export async function migrateLatest(db: Knex): Promise<string[]> {
  return withMigrationLock(db, async () => {
    const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
    return applied;
  });
}

export async function migrateRollback(db: Knex, all = false): Promise<string[]> {
  return withMigrationLock(db, async () => {
    const [, reverted] = (await db.migrate.rollback(config, all)) as [number, string[]];
    return reverted;
  });
}

export async function migrationStatus(db: Knex): Promise<{ applied: string[]; pending: string[] }> {
  const [applied, pending] = (await db.migrate.list(config)) as [Array<{ name: string }>, Array<{ file: string }>];
  return { applied: applied.map((m) => m.name), pending: pending.map((m) => m.file) };
}

interface Pool {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
}

async function withMigrationLock<T>(db: Knex, work: () => Promise<T>): Promise<T> {
  // The lock is held by one session, so it needs one connection of its own for the whole migration.
  const pool = db.client as Pool;
  const connection = await pool.acquireConnection();
  try {
    await db.raw('select pg_advisory_lock(?)', [MIGRATION_LOCK_KEY]).connection(connection);
    try {
      return await work();
    } finally {
      await db.raw('select pg_advisory_unlock(?)', [MIGRATION_LOCK_KEY]).connection(connection);
    }
  } finally {
    await pool.releaseConnection(connection);
  }
}
