// Where the environment comes from: `.env` (read like dotenv: a variable already set wins), then the
// process's own. Nothing in this folder writes `.env`: a fresh clone's development secret is
// scripts/dev-secret.ts's, which npm start and npm run dev run first.
import { POSTGRES_PROTOCOLS, readDataDir } from './database.js';
import { ConfigError, envReader, type Env } from './env-reader.js';

/** A missing file is no error (a deployment configures the environment itself); an unreadable one is. */
export function readEnvFile(envFile: string): void {
  try {
    process.loadEnvFile(envFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * The database the knex CLI works on (knexfile.ts): DATABASE_DIRECT_URL when set (past the pooler, as
 * migrations at start-up go), else DATABASE_URL, from the environment or `.env`; else the embedded
 * PostgreSQL a running `npm start` has on the data directory (`runningEmbedded` finds it). Unlike the
 * server, the CLI starts no embedded PostgreSQL; `npm run migrate` does.
 */
export function loadDatabaseUrl(envFile = '.env', runningEmbedded?: (dataDir: string) => string | undefined): string {
  readEnvFile(envFile);
  const read = envReader(process.env);
  const url = read.url('DATABASE_DIRECT_URL', POSTGRES_PROTOCOLS) ?? read.url('DATABASE_URL', POSTGRES_PROTOCOLS);
  const dataDir = readDataDir(read);
  const running = url || read.problems.length > 0 ? undefined : runningEmbedded?.(dataDir);
  if (!url && !running) {
    read.problems.push(
      `DATABASE_URL is not set and no npm start is running on the embedded database in ${dataDir}: start the server, or set DATABASE_URL (npm run migrate works on the embedded database either way).`,
    );
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return url?.href ?? running!;
}

/**
 * A frozen copy of the environment (with `.env` read), for the test runner, the benchmarks and the scripts,
 * which parse their own few settings (test/support/settings.ts, bench/settings.ts): this folder stays the
 * one that reads it.
 */
export function environment(envFile = '.env'): Env {
  readEnvFile(envFile);
  return Object.freeze({ ...process.env });
}
