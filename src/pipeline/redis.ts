// Redis for the rate limiter's counters, when REDIS_URL is set: every instance then enforces one limit.
import type { Redis } from 'ioredis';

/** How long a count may take before the request goes on uncounted: a stalled Redis must not stall requests. */
const REDIS_COMMAND_TIMEOUT_MS = 500;

export interface SharedCounters {
  redis: Redis;
  /** Reports a failed command (at most one warning in 10 s, with the connection's own errors). */
  failed: (error: Error) => void;
}

/**
 * Redis must answer at start-up: the store loads its script then, and would never recover from a failed load.
 * Later outages are tolerated: commands fail fast (no offline queue) or time out, and the limiter lets
 * requests through.
 */
export async function connectRedis(url: string, log: { warn(message: string): void }): Promise<SharedCounters> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 3000, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  let lastWarning = 0;
  const failed = (error: Error) => {
    if (Date.now() - lastWarning > 10_000) {
      lastWarning = Date.now();
      log.warn(`Redis (rate limits) is unavailable; requests are not being limited: ${error.message}`);
    }
  };
  redis.on('error', failed);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`REDIS_URL is set but Redis at ${new URL(url).host} does not answer: ${(error as Error).message}`, { cause: error });
  }
  return { redis, failed };
}
