// The only reader of process.env. createConfig is pure: it parses everything, reports every problem at once
// with its remedy, defaults nothing secret, and freezes the result.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { envReader, type Env } from './env-reader.js';

export type NodeEnv = 'development' | 'test' | 'production';
/** A transaction pooler (PgBouncer in transaction mode) in front of the database, or none. */
export type Pooler = 'none' | 'transaction';

export interface AuthConfig {
  /** HS256 shared secret (Better Auth's BETTER_AUTH_SECRET). */
  readonly secret: string;
  /** Better Auth JWKS endpoint; asymmetric tokens are accepted only when this is set. */
  readonly jwksUrl: URL | undefined;
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | undefined;
}

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  /** Unset: run an embedded PostgreSQL with its data in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** A URL that bypasses the pooler in DATABASE_URL, for migrations (Neon's direct endpoint, Prisma's directUrl). */
  readonly databaseDirectUrl: string | undefined;
  /** Declared in DATABASE_POOLER; unset, the URL tells (src/db/connection-url.ts). */
  readonly databasePooler: Pooler | undefined;
  readonly dataDir: string;
  readonly auth: AuthConfig;
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  /** Worker processes sharing the port: all cores in production, 1 (no workers) in development. */
  readonly webConcurrency: number;
  /** Event streams a user may hold open at once on one process (429 beyond). */
  readonly eventStreamsPerUser: number;
  /** The bearer token a scraper sends for /metrics; unset, /metrics is not served. */
  readonly metricsToken: string | undefined;
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly perMinute: number;
    /** Searches (`q`) a minute per user, within perMinute: a search costs more the more tasks a user has. */
    readonly searchesPerMinute: number;
    /** Tasks a user's bulk actions may change a minute (src/pipeline/costs.ts). */
    readonly rowsPerMinute: number;
    /** A user's requests handled at once on a process, fewer than its pool's connections (src/pipeline/costs.ts). */
    readonly concurrentPerUser: number;
    /** Shared counters for several instances; unset keeps them in this process. */
    readonly redisUrl: string | undefined;
  };
}

export const MIN_SECRET_LENGTH = 32;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function createConfig(env: Env): Config {
  const read = envReader(env);
  const { problems } = read;
  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'test', 'production'], 'development');
  const port = read.integer('PORT', 8000, { min: 0, max: 65535, what: 'a port' });
  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseDirectUrl = read.url('DATABASE_DIRECT_URL', ['postgres:', 'postgresql:']);
  const databasePooler = read.text('DATABASE_POOLER') === undefined ? undefined : read.oneOf<Pooler>('DATABASE_POOLER', ['none', 'transaction'], 'none');

  const secret = env.BETTER_AUTH_SECRET ?? '';
  if (secret.length === 0) {
    problems.push(
      'BETTER_AUTH_SECRET is not set. Use the same secret as the Better Auth server; to make a new one: ' +
        'node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))"',
    );
  } else if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(`BETTER_AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters (it has ${secret.length}).`);
  }

  const betterAuthUrl = read.url('BETTER_AUTH_URL', ['http:', 'https:']);
  const jwksUrl =
    read.url('JWT_JWKS_URL', ['http:', 'https:']) ??
    (betterAuthUrl ? new URL(`${betterAuthUrl.href.replace(/\/+$/, '')}/api/auth/jwks`) : undefined);

  const corsOrigins = read.list('CORS_ORIGINS') ?? ['http://localhost:3000'];
  for (const origin of corsOrigins.filter((o) => !isOrigin(o))) {
    problems.push(`CORS_ORIGINS must list origins like https://app.example.com, without a path (got "${origin}").`);
  }

  const logLevel = read.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info');
  const rateLimit = {
    enabled: read.boolean('RATE_LIMIT_ENABLED', true),
    perMinute: read.integer('RATE_LIMIT_PER_MINUTE', 300, { min: 1, max: Number.MAX_SAFE_INTEGER, what: 'requests' }),
    searchesPerMinute: read.integer('RATE_LIMIT_SEARCHES_PER_MINUTE', 60, { min: 1, max: Number.MAX_SAFE_INTEGER, what: 'searches' }),
    rowsPerMinute: read.integer('RATE_LIMIT_ROWS_PER_MINUTE', 20_000, { min: 1, max: Number.MAX_SAFE_INTEGER, what: 'rows' }),
    concurrentPerUser: read.integer('RATE_LIMIT_CONCURRENT_PER_USER', 6, { min: 1, max: 1000, what: 'requests' }),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:'])?.href,
  };
  const webConcurrency = read.integer('WEB_CONCURRENCY', nodeEnv === 'production' ? availableParallelism() : 1, {
    min: 1,
    max: 256,
    what: 'worker processes',
  });

  const eventStreamsPerUser = read.integer('EVENT_STREAMS_PER_USER', 5, { min: 1, max: 1000, what: 'streams' });

  const metricsToken = read.text('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < MIN_SECRET_LENGTH) {
    problems.push(`METRICS_TOKEN must be at least ${MIN_SECRET_LENGTH} characters (it has ${metricsToken.length}): it is all that keeps everyone's activity from anyone who can reach the port.`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    nodeEnv,
    port,
    databaseUrl: databaseUrl?.href,
    databaseDirectUrl: databaseDirectUrl?.href,
    databasePooler,
    dataDir: resolve(read.text('DATA_DIR') ?? '.data'),
    auth: { secret, jwksUrl, issuer: read.text('JWT_ISSUER'), audience: read.list('JWT_AUDIENCE') },
    corsOrigins,
    logLevel,
    webConcurrency,
    eventStreamsPerUser,
    metricsToken,
    rateLimit,
  });
}

function isOrigin(value: string): boolean {
  try {
    const parsed = new URL(value);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === value;
  } catch {
    return false;
  }
}

/**
 * Node's own reader of `.env` files: like dotenv, a variable already in the environment wins. A missing file
 * is no error (a deployment configures the environment itself); an unreadable one is.
 */
function readEnvFile(envFile: string): void {
  try {
    process.loadEnvFile(envFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object' && !(inner instanceof URL)) deepFreeze(inner);
  }
  return Object.freeze(value);
}

/**
 * Reads `.env` and the environment. In development (never in production), a missing secret is generated once
 * and appended to `.env`, so `npm start` works on a fresh clone; the notice says so.
 */
export function loadConfig(envFile = '.env'): { config: Config; notices: string[] } {
  readEnvFile(envFile);
  const notices: string[] = [];
  const nodeEnv = process.env.NODE_ENV ?? 'development';
  if (!process.env.BETTER_AUTH_SECRET && nodeEnv === 'development') {
    const secret = randomBytes(32).toString('base64url');
    const existing = existsSync(envFile) ? readFileSync(envFile, 'utf8') : '';
    const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
    appendFileSync(envFile, `${separator}# Generated by the Tasks API for local development.\nBETTER_AUTH_SECRET=${secret}\n`, {
      mode: 0o600,
    });
    process.env.BETTER_AUTH_SECRET = secret;
    notices.push(
      `No BETTER_AUTH_SECRET was set: generated one and saved it in ${resolve(envFile)}. ` +
        'Use the same value in your Better Auth server.',
    );
  }
  return { config: createConfig(process.env), notices };
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
  const url = read.url('DATABASE_DIRECT_URL', ['postgres:', 'postgresql:']) ?? read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const dataDir = resolve(read.text('DATA_DIR') ?? '.data');
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
 * A frozen copy of the environment (with `.env` read), for the test runner and the benchmarks, which parse
 * their own few settings (test/support/settings.ts, bench/settings.ts): this file stays the one that reads it.
 */
export function environment(envFile = '.env'): Env {
  readEnvFile(envFile);
  return Object.freeze({ ...process.env });
}
