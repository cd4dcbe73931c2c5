// Migrations, run at start-up and by `npm run migrate`. Several instances may start at once: a session-level
// advisory lock serializes them, so the first migrates and the others find nothing left to do (knex's own
// lock table would make them fail instead).
import type { Knex } from 'knex';
import { migrations } from '../../migrations/index.js';

const MIGRATION_LOCK_KEY = 7_307_113_001; // any constant shared by every instance of this service

const config: Knex.MigratorConfig = {
  tableName: 'knex_migrations',
  migrationSource: {
    getMigrations: () => Promise.resolve(Object.keys(migrations)),
    getMigrationName: (name: string) => name,
    getMigration: (name: string) => Promise.resolve(migrations[name]!),
  },
};

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
  const [applied, pending] = (await db.migrate.list(config)) as [Array<{ name: string }>, string[]];
  return { applied: applied.map((m) => m.name), pending };
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
