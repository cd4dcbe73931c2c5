// The knex instance over pg. Bounded waits everywhere: a database that is down answers in seconds, not minutes.
import knex, { type Knex } from 'knex';
import pg from 'pg';

// int8 arrives as a string by default. Task ids are capped below 2^53 by the schema, so a number is exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

interface DbLog {
  warn(message: string): void;
}

/** `log` receives knex's own warnings (e.g. failed connection attempts), which it would print to stdout. */
export function createDb(databaseUrl: string, options: { poolMax?: number; log?: DbLog } = {}): Knex {
  const log = options.log ?? { warn: () => {} };
  const forward = (message: unknown) => log.warn(String(message));
  return knex({
    log: { warn: forward, error: forward, deprecate: forward, debug: () => {} },
    client: 'pg',
    connection: {
      connectionString: databaseUrl,
      application_name: 'tasks-api',
      connectionTimeoutMillis: 3000,
      statement_timeout: 10_000,
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 5000,
  });
}

/** Readiness: does PostgreSQL answer a trivial query? Throws when it does not. */
export async function pingDatabase(db: Knex): Promise<void> {
  await db.raw('select 1');
}
