// Migrations, run at start-up and by `npm run migrate`. Several instances may start at once: an advisory
// lock serializes them, so the first migrates and the others find nothing left to do (knex's own lock
// table would make them fail instead).
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { migrations } from './index.js';

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
  stub: fileURLToPath(new URL('./migration.stub', import.meta.url)),
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

/**
 * Migrations of several instances run one after another: each takes an advisory lock for the length of a
 * transaction held open meanwhile, on a connection of its own, while the migrations run on another. A
 * transaction keeps its server connection behind a transaction pooler too, so this works through one.
 */
async function withMigrationLock<T>(db: Knex, work: () => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    return work();
  });
}
