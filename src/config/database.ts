// Where the database is: a URL (and one past its pooler, for migrations), or an embedded PostgreSQL.
import { resolve } from 'node:path';
import type { EnvReader } from './env-reader.js';

/** A transaction pooler (PgBouncer in transaction mode) in front of the database, or none. */
export type Pooler = 'none' | 'transaction';

export interface DatabaseConfig {
  /** Unset: run an embedded PostgreSQL with its data in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** A URL that bypasses the pooler in DATABASE_URL, for migrations (Neon's direct endpoint, Prisma's directUrl). */
  readonly databaseDirectUrl: string | undefined;
  /** Declared in DATABASE_POOLER; unset, the URL tells (src/db/connection-url.ts). */
  readonly databasePooler: Pooler | undefined;
  readonly dataDir: string;
}

export const POSTGRES_PROTOCOLS = ['postgres:', 'postgresql:'];

export function readDataDir(read: EnvReader): string {
  return resolve(read.text('DATA_DIR') ?? '.data');
}

export function readDatabase(read: EnvReader): DatabaseConfig {
  return {
    databaseUrl: read.url('DATABASE_URL', POSTGRES_PROTOCOLS)?.href,
    databaseDirectUrl: read.url('DATABASE_DIRECT_URL', POSTGRES_PROTOCOLS)?.href,
    databasePooler: read.text('DATABASE_POOLER') === undefined ? undefined : read.oneOf<Pooler>('DATABASE_POOLER', ['none', 'transaction'], 'none'),
    dataDir: readDataDir(read),
  };
}
