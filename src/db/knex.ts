// The knex instances over pg. The one that serves requests is bounded everywhere, so that a database that is
// down or stalled costs a request seconds, never minutes: a connection is opened within `connectMs` and
// acquired within `acquireMs`, the server cancels a statement that runs past `statementMs`, and a
// connection whose server stops answering is dropped after `stallMs`. Migrations and scripts get an
// unbounded instance of their own: building an index may take longer than any request should.
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Pooler } from '../config/index.js';
import { databaseTarget } from './connection-url.js';
import { watchForStalls, type PgClientInternals } from './stall-guard.js';

// int8 arrives as a string by default. Task ids are capped below 2^53 by the schema, so a number is exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DatabaseBounds {
  /** To open a connection; less than acquireMs, so that a failed attempt is reported as such. */
  connectMs: number;
  acquireMs: number;
  statementMs: number;
  stallMs: number;
}

/** Connections a process's pool opens at most, unless told otherwise. */
export const POOL_MAX = 10;

/** A request that needs the database is answered within about acquireMs + stallMs (a 503 when it is not). */
export const DATABASE_BOUNDS: DatabaseBounds = { connectMs: 1500, acquireMs: 2000, statementMs: 2500, stallMs: 3000 };

interface DbLog {
  warn(message: string): void;
}

export interface DbOptions {
  poolMax?: number;
  log?: DbLog;
  /** The request bounds; `false` for migrations and scripts. */
  bounds?: DatabaseBounds | false;
  /** DATABASE_POOLER, when declared; otherwise the URL tells (see connection-url.ts). */
  pooler?: Pooler;
}

/** What statement.ts reads of a knex instance (knex's documented userParams). */
export interface DbParams {
  /** Named prepared statements: off behind a transaction pooler. */
  preparedStatements: boolean;
}

/** `log` receives knex's own warnings (e.g. failed connection attempts), which it would print to stdout. */
export function createDb(databaseUrl: string, options: DbOptions = {}): Knex {
  const log = options.log ?? { warn: () => {} };
  const forward = (message: unknown) => {
    const text = String(message);
    // knex warns, with a stack, of every failed attempt at a connection: expected while the database is
    // down, and told once as an outage (db/health.ts) and per request by the error funnel instead.
    if (/^(Acquire connection error|Connection Error):/.test(text)) return;
    log.warn(text);
  };
  const bounds = options.bounds ?? DATABASE_BOUNDS;
  const target = databaseTarget(databaseUrl, options.pooler);
  const userParams: DbParams = { preparedStatements: !target.pooled };
  // knex's documented userParams carry what statement.ts must know of this instance.
  return knex({
    log: { warn: forward, error: forward, deprecate: forward, debug: () => {} },
    client: 'pg',
    connection: {
      connectionString: target.url,
      application_name: 'tasks-api',
      // Unbounded statements still connect within seconds: a database that is down must not stall a start.
      connectionTimeoutMillis: bounds ? bounds.connectMs : 5000,
      // A startup parameter, which a transaction pooler refuses (or ignores): there, set it on the role.
      ...(bounds && !target.pooled ? { statement_timeout: bounds.statementMs } : {}),
    },
    pool: {
      min: 0,
      max: options.poolMax ?? POOL_MAX,
      // knex's documented pool hook, once per new connection: its stall timer (stall-guard.ts).
      ...(bounds
        ? {
            afterCreate(client: PgClientInternals, done: (error: Error | null, client: PgClientInternals) => void) {
              watchForStalls(client, bounds.stallMs);
              done(null, client);
            },
          }
        : {}),
    },
    acquireConnectionTimeout: bounds ? bounds.acquireMs : 10_000,
  }).withUserParams({ ...userParams });
}
