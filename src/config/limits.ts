// What one caller may cost: requests and searches a minute, rows its bulk actions write, requests at once.
import type { EnvReader } from './env-reader.js';

export interface RateLimitConfig {
  readonly enabled: boolean;
  readonly perMinute: number;
  /** Searches (`q`) a minute per user, within perMinute: a search costs more the more tasks a user has. */
  readonly searchesPerMinute: number;
  /** Tasks a user's bulk actions may change a minute (src/pipeline/limits.ts). */
  readonly rowsPerMinute: number;
  /** A user's requests handled at once on a process, fewer than its pool's connections (src/pipeline/limits.ts). */
  readonly concurrentPerUser: number;
  /** Shared counters for several instances; unset keeps them in this process. */
  readonly redisUrl: string | undefined;
}

export function readRateLimit(read: EnvReader): RateLimitConfig {
  const many = Number.MAX_SAFE_INTEGER;
  return {
    enabled: read.boolean('RATE_LIMIT_ENABLED', true),
    perMinute: read.integer('RATE_LIMIT_PER_MINUTE', 300, { min: 1, max: many, what: 'requests' }),
    searchesPerMinute: read.integer('RATE_LIMIT_SEARCHES_PER_MINUTE', 60, { min: 1, max: many, what: 'searches' }),
    rowsPerMinute: read.integer('RATE_LIMIT_ROWS_PER_MINUTE', 20_000, { min: 1, max: many, what: 'rows' }),
    concurrentPerUser: read.integer('RATE_LIMIT_CONCURRENT_PER_USER', 6, { min: 1, max: 1000, what: 'requests' }),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:'])?.href,
  };
}
