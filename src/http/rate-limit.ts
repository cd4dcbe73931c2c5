// Per-caller rate limiting with express-rate-limit: a fixed window of one minute, IETF draft-8 `RateLimit` and
// `RateLimit-Policy` headers, and `Retry-After` when refused. Callers with a valid token are counted by user,
// everyone else by client address, so a flood of bad tokens cannot use up a user's allowance. Counters live in
// process memory, or in Redis when REDIS_URL is set so that every instance enforces one limit.
import type { Request, Response } from 'express';
import rateLimit, { ipKeyGenerator, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { Problem } from './problem.js';

export interface RateLimiter {
  /** Counts the request against `key`'s allowance; throws a 429 Problem when it is used up. */
  check(req: Request, res: Response, caller: { userId: string } | 'anonymous'): Promise<void>;
  close(): Promise<void>;
}

interface Log {
  warn(message: string): void;
}

export async function createRateLimiter(config: Config['rateLimit'], log: Log): Promise<RateLimiter | undefined> {
  if (!config.enabled) return undefined;
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, log) : undefined;
  // Loaded only when used: a process without REDIS_URL does not carry ioredis (~5 MB of memory).
  const { RedisStore } = redis ? await import('rate-limit-redis') : { RedisStore: undefined };
  const perMinute = config.perMinute;
  const middleware: RateLimitRequestHandler = rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: `${perMinute}-per-minute`,
    keyGenerator: (_req, res) => res.locals.context.rateLimitKey!,
    handler: (_req, res, next) => {
      next(new Problem(429, `Too many requests: at most ${perMinute} a minute. Retry after ${String(res.getHeader('Retry-After'))} s.`));
    },
    // Redis down at run time: let requests through rather than refuse everyone; ioredis reconnects by itself.
    passOnStoreError: true,
    validate: false, // its configuration self-checks run on every request; this configuration is fixed and tested
    ...(redis && RedisStore ? { store: new RedisStore({ prefix: 'tasks-api:rate:', sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never }) } : {}),
  });

  return {
    check(req, res, caller) {
      res.locals.context.rateLimitKey = caller === 'anonymous' ? `ip:${ipKeyGenerator(req.ip ?? '')}` : `user:${caller.userId}`;
      return new Promise((resolve, reject) => {
        // express-rate-limit calls next() to let a request through, or next(problem) from the handler above.
        const next = (error?: unknown) => (error instanceof Error ? reject(error) : resolve());
        Promise.resolve(middleware(req, res, next)).catch(reject);
      });
    },
    async close() {
      await redis?.quit();
    },
  };
}

/**
 * Redis must answer at start-up: the store loads its script then, and would never recover from a failed load.
 * Later outages are tolerated: commands fail fast (no offline queue) and the limiter lets requests through.
 */
async function connectRedis(url: string, log: Log): Promise<Redis> {
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
