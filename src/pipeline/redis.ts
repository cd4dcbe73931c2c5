// Redis for the rate limiter's counters, when REDIS_URL is set: every instance then enforces one limit.
import type { Redis } from 'ioredis';

/**
 * Redis must answer at start-up: the store loads its script then, and would never recover from a failed load.
 * Later outages are tolerated: commands fail fast (no offline queue) and the limiter lets requests through.
 */
export async function connectRedis(url: string, log: { warn(message: string): void }): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  let lastWarning = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastWarning > 10_000) {
      lastWarning = Date.now();
      log.warn(`Redis (rate limits) is unavailable; requests are not being limited: ${error.message}`);
    }
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`REDIS_URL is set but Redis at ${new URL(url).host} does not answer: ${(error as Error).message}`, { cause: error });
  }
  return redis;
}
