// Per-caller rate limiting with express-rate-limit: a fixed window of one minute, IETF draft-8 `RateLimit` and
// `RateLimit-Policy` headers, and `Retry-After` when refused. Callers with a valid token are counted by user,
// everyone else by client address, so a flood of bad tokens cannot use up a user's allowance. Counters live in
// process memory, or in Redis when REDIS_URL is set so that every instance enforces one limit.
import type { Request, Response } from 'express';
import rateLimit, { ipKeyGenerator, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Config } from '../config/index.js';
import { Problem } from '../contract/problem.js';

export interface RateLimiter {
  /** Counts the request against the caller's allowance (and a search against its own); throws a 429 Problem when used up. */
  check(req: Request, res: Response, caller: { userId: string } | 'anonymous', options?: { search?: boolean }): Promise<void>;
  close(): Promise<void>;
}

interface Log {
  warn(message: string): void;
}

export async function createRateLimiter(config: Config['rateLimit'], log: Log): Promise<RateLimiter | undefined> {
  if (!config.enabled) return undefined;
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, log) : undefined;
  // Loaded only when used: a process without REDIS_URL does not carry ioredis in memory.
  const { RedisStore } = redis ? await import('rate-limit-redis') : { RedisStore: undefined };
  const store = (prefix: string) =>
    redis && RedisStore ? { store: new RedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never }) } : {};
  const shared = {
    windowMs: 60_000,
    keyGenerator: (_req: Request, res: Response) => res.locals.context.rateLimitKey!,
    // Redis down at run time: let requests through rather than refuse everyone; ioredis reconnects by itself.
    passOnStoreError: true,
    validate: false, // its configuration self-checks run on every request; this configuration is fixed and tested
  };
  const { perMinute, searchesPerMinute } = config;
  const requests: RateLimitRequestHandler = rateLimit({
    ...shared,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: `${perMinute}-per-minute`,
    handler: (_req, res, next) => {
      next(new Problem(429, `Too many requests: at most ${perMinute} a minute. Retry after ${String(res.getHeader('Retry-After'))} s.`));
    },
    ...store('tasks-api:rate:'),
  });
  // Searches are counted again, against a smaller allowance: a page of search results costs the database
  // more the more tasks a user has (docs/explanation/performance.md). Its headers would replace the first
  // limiter's, so it sends none but Retry-After, on a refusal.
  const searches: RateLimitRequestHandler = rateLimit({
    ...shared,
    limit: searchesPerMinute,
    standardHeaders: false,
    legacyHeaders: false,
    requestPropertyName: 'searchRateLimit',
    handler: (req, _res, next) => {
      const reset = (req as Request & { searchRateLimit?: { resetTime?: Date } }).searchRateLimit?.resetTime;
      const retryAfter = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
      next(
        new Problem(429, `Too many searches: at most ${searchesPerMinute} a minute. Retry after ${retryAfter} s.`, {
          headers: { 'Retry-After': String(retryAfter) },
        }),
      );
    },
    ...store('tasks-api:search:'),
  });
  const pass = (middleware: RateLimitRequestHandler, req: Request, res: Response) =>
    new Promise<void>((resolve, reject) => {
      // express-rate-limit calls next() to let a request through, or next(problem) from the handlers above.
      const next = (error?: unknown) => (error instanceof Error ? reject(error) : resolve());
      Promise.resolve(middleware(req, res, next)).catch(reject);
    });

  return {
    async check(req, res, caller, { search = false } = {}) {
      res.locals.context.rateLimitKey = caller === 'anonymous' ? `ip:${ipKeyGenerator(req.ip ?? '')}` : `user:${caller.userId}`;
      await pass(requests, req, res);
      if (search) await pass(searches, req, res);
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
