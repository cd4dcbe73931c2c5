// The process and its HTTP face: the environment it runs in, its port, its workers, its log, the browser
// origins it answers, and the scraper's token for /metrics.
import { availableParallelism } from 'node:os';
import type { EnvReader } from './env-reader.js';
import { MIN_SECRET_LENGTH } from './auth.js';

export type NodeEnv = 'development' | 'test' | 'production';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ServerConfig {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  /** Worker processes sharing the port: all cores in production, 1 (no workers) in development. */
  readonly webConcurrency: number;
  /** The bearer token a scraper sends for /metrics; unset, /metrics is not served. */
  readonly metricsToken: string | undefined;
}

export function readServer(read: EnvReader): ServerConfig {
  const nodeEnv = read.oneOf<NodeEnv>('NODE_ENV', ['development', 'test', 'production'], 'development');
  const corsOrigins = read.list('CORS_ORIGINS') ?? ['http://localhost:3000'];
  for (const origin of corsOrigins.filter((o) => !isOrigin(o))) {
    read.problems.push(`CORS_ORIGINS must list origins like https://app.example.com, without a path (got "${origin}").`);
  }
  const metricsToken = read.text('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < MIN_SECRET_LENGTH) {
    read.problems.push(`METRICS_TOKEN must be at least ${MIN_SECRET_LENGTH} characters (it has ${metricsToken.length}): it is all that keeps everyone's activity from anyone who can reach the port.`);
  }
  return {
    nodeEnv,
    port: read.integer('PORT', 8000, { min: 0, max: 65535, what: 'a port' }),
    corsOrigins,
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    webConcurrency: read.integer('WEB_CONCURRENCY', nodeEnv === 'production' ? availableParallelism() : 1, { min: 1, max: 256, what: 'worker processes' }),
    metricsToken,
  };
}

function isOrigin(value: string): boolean {
  try {
    const parsed = new URL(value);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === value;
  } catch {
    return false;
  }
}
