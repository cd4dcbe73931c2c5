// The only reader of process.env. createConfig is pure: it parses everything, reports every problem at once
// with its remedy, defaults nothing secret, and freezes the result.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import dotenv from 'dotenv';

export type NodeEnv = 'development' | 'test' | 'production';
type Env = Readonly<Record<string, string | undefined>>;

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
  readonly dataDir: string;
  readonly auth: AuthConfig;
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  /** Worker processes sharing the port: all cores in production, 1 (no workers) in development. */
  readonly webConcurrency: number;
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly perMinute: number;
    /** Searches (`q`) a minute per user, within perMinute: a search costs more the more tasks a user has. */
    readonly searchesPerMinute: number;
    /** Shared counters for several instances; unset keeps them in this process. */
    readonly redisUrl: string | undefined;
  };
}

export const MIN_SECRET_LENGTH = 32;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function createConfig(env: Env): Config {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const url = (name: string, protocols: readonly string[]): URL | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (protocols.includes(parsed.protocol)) return parsed;
    } catch {
      // reported below
    }
    problems.push(`${name} must be a ${protocols.join(' or ')}// URL (got "${value}").`);
    return undefined;
  };

  const nodeEnv = text('NODE_ENV') ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be development, test or production (got "${nodeEnv}").`);
  }

  const portText = text('PORT') ?? '8000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(`PORT must be a whole number from 0 to 65535 (got "${portText}").`);
  }

  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);

  const secret = env.BETTER_AUTH_SECRET ?? '';
  if (secret.length === 0) {
    problems.push(
      'BETTER_AUTH_SECRET is not set. Use the same secret as the Better Auth server; to make a new one: ' +
        'node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))"',
    );
  } else if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(`BETTER_AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters (it has ${secret.length}).`);
  }

  const betterAuthUrl = url('BETTER_AUTH_URL', ['http:', 'https:']);
  const jwksUrl =
    url('JWT_JWKS_URL', ['http:', 'https:']) ??
    (betterAuthUrl ? new URL(`${betterAuthUrl.href.replace(/\/+$/, '')}/api/auth/jwks`) : undefined);
  const audience = text('JWT_AUDIENCE')
    ?.split(',')
    .map((a) => a.trim())
    .filter(Boolean);

  const corsOrigins = (text('CORS_ORIGINS') ?? 'http://localhost:3000')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!isOrigin(origin)) {
      problems.push(`CORS_ORIGINS must list origins like https://app.example.com, without a path (got "${origin}").`);
    }
  }

  const logLevel = text('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}").`);
  }

  const rateLimitEnabled = (text('RATE_LIMIT_ENABLED') ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(rateLimitEnabled)) {
    problems.push(`RATE_LIMIT_ENABLED must be true or false (got "${rateLimitEnabled}").`);
  }
  const perMinuteText = text('RATE_LIMIT_PER_MINUTE') ?? '300';
  const perMinute = Number(perMinuteText);
  if (!/^\d+$/.test(perMinuteText) || perMinute < 1) {
    problems.push(`RATE_LIMIT_PER_MINUTE must be a whole number of requests, at least 1 (got "${perMinuteText}").`);
  }
  const searchesText = text('RATE_LIMIT_SEARCHES_PER_MINUTE') ?? '60';
  const searchesPerMinute = Number(searchesText);
  if (!/^\d+$/.test(searchesText) || searchesPerMinute < 1) {
    problems.push(`RATE_LIMIT_SEARCHES_PER_MINUTE must be a whole number of searches, at least 1 (got "${searchesText}").`);
  }
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);

  const concurrencyText = text('WEB_CONCURRENCY') ?? String(nodeEnv === 'production' ? availableParallelism() : 1);
  const webConcurrency = Number(concurrencyText);
  if (!/^\d+$/.test(concurrencyText) || webConcurrency < 1 || webConcurrency > 256) {
    problems.push(`WEB_CONCURRENCY must be a number of worker processes from 1 to 256 (got "${concurrencyText}").`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    nodeEnv: nodeEnv as NodeEnv,
    port,
    databaseUrl: databaseUrl?.href,
    dataDir: resolve(text('DATA_DIR') ?? '.data'),
    auth: { secret, jwksUrl, issuer: text('JWT_ISSUER'), audience: audience?.length ? audience : undefined },
    corsOrigins,
    logLevel,
    webConcurrency,
    rateLimit: { enabled: rateLimitEnabled === 'true' || rateLimitEnabled === '1', perMinute, searchesPerMinute, redisUrl: redisUrl?.href },
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
  dotenv.config({ path: envFile, quiet: true });
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

/** The PostgreSQL the test suite uses; unset means the test runner starts an embedded one. */
export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

/** The Redis the rate-limit tests share counters through (the machines run one at 127.0.0.1:6379). */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
}

/** The contract fuzzer's seed and runs per operation: fixed by default so CI is reproducible. */
export function fuzzSettings(): { seed: number; runs: number } {
  return { seed: Number(process.env.FUZZ_SEED ?? 20261121), runs: Number(process.env.FUZZ_RUNS ?? 100) };
}

/** The PostgreSQL `npm run bench:list` seeds and resets; unset means it starts an embedded one. */
export function benchDatabaseUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || undefined;
}

/** The environment for the test processes the runner starts: this one, pointed at the test database. */
export function testProcessEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return { ...process.env, TEST_DATABASE_URL: databaseUrl, NODE_ENV: 'test' };
}
