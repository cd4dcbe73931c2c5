// What one user may cost, bounded two ways (the settings: src/config/limits.ts): requests a minute
// (createRateLimiter) and what those requests cost the database (createUserCosts).
import type { Request, Response } from 'express';
import rateLimit, { ipKeyGenerator, type RateLimitRequestHandler } from 'express-rate-limit';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/index.js';
import { Problem } from '../contract/problem.js';
import { connectRedis } from './redis.js';

export interface RateLimiter {
  /** Counts the request against the caller's allowance (and a search against its own); throws a 429 Problem when used up. */
  check(req: Request, res: Response, caller: { userId: string } | 'anonymous', options?: { search?: boolean }): Promise<void>;
  close(): Promise<void>;
}

interface Log { warn(message: string): void }

/**
 * Requests a minute, with express-rate-limit: a fixed window, IETF draft-8 `RateLimit` and `RateLimit-Policy`
 * headers, `Retry-After` when refused. Callers with a valid token are counted by user, everyone else by client
 * address, so a flood of bad tokens cannot use up a user's allowance. Counters live in process memory, or in
 * Redis when REDIS_URL is set, so that every instance enforces one limit.
 */
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

export interface CostLimits {
  /** A user's requests handled at once; undefined: not limited (rate limiting is off). */
  atOnce: number | undefined;
  /** Rows a user's bulk actions may write a minute; undefined: not counted (rate limiting is off). */
  rowsPerMinute: number | undefined;
}

export interface UserCosts {
  /** Handles one of the user's requests, if fewer than `atOnce` are being handled (a 429 otherwise). */
  request<T>(userId: string, work: () => Promise<T>): Promise<T>;
  /** Runs a search: one at a time per user (a 429 while one runs). */
  search<T>(userId: string, work: () => Promise<T>): Promise<T>;
  /** Runs a bulk write that returns how many rows it wrote: one at a time, and within the rows budget. */
  bulkWrite(userId: string, work: () => Promise<number>): Promise<number>;
}

const WINDOW_MS = 60_000;
/** The most users whose rows are counted at once: older windows are dropped first (they have ended). */
const COUNTED_USERS = 100_000;

/**
 * What a user costs the database beyond a number of requests. A user's requests are handled a few at a time
 * (per process), fewer than the pool's connections, so one account's flood never leaves another waiting for a
 * connection. Searches and bulk actions are the requests whose cost grows with the user's tasks (a search
 * re-reads the user's matches; a bulk action writes every matching task and logs each): a user runs one of
 * them at a time on a process, so a flood of them holds one connection and one core's worth of PostgreSQL,
 * never the pool. And a bulk action counts the rows it wrote against a budget per minute, so that a loop of
 * them cannot churn the tables (and the change log) without end within the request allowance: a bulk action
 * starts only while the user's rows of this minute are not spent (the one that spends them is charged after).
 */
export function createUserCosts({ atOnce, rowsPerMinute }: CostLimits): UserCosts {
  const handling = new Map<string, number>();
  const running = new Set<string>();
  const written = new LRUCache<string, { rows: number; resetAt: number }>({ max: COUNTED_USERS });

  async function oneAtATime<T>(userId: string, work: () => Promise<T>): Promise<T> {
    if (running.has(userId)) {
      throw tooMuch('A search or bulk action of yours is still running: one runs at a time. Retry after 1 s.', 1, '"costly-at-once"; q=1', '"costly-at-once"; r=0; t=1');
    }
    running.add(userId);
    try {
      return await work();
    } finally {
      running.delete(userId);
    }
  }

  return {
    async request(userId, work) {
      if (atOnce === undefined) return work();
      const count = handling.get(userId) ?? 0;
      if (count >= atOnce) {
        throw tooMuch(`${atOnce} of your requests are being handled already, the most at once; retry after 1 s.`, 1, `"${atOnce}-at-once"; q=${atOnce}`, `"${atOnce}-at-once"; r=0; t=1`);
      }
      handling.set(userId, count + 1);
      try {
        return await work();
      } finally {
        const left = handling.get(userId)! - 1;
        if (left === 0) handling.delete(userId);
        else handling.set(userId, left);
      }
    },
    search: oneAtATime,
    bulkWrite(userId, work) {
      if (rowsPerMinute === undefined) return oneAtATime(userId, work);
      const now = Date.now();
      const current = written.get(userId);
      const count = current && current.resetAt > now ? current : { rows: 0, resetAt: now + WINDOW_MS };
      written.set(userId, count);
      if (count.rows >= rowsPerMinute) {
        const retryAfter = Math.max(1, Math.ceil((count.resetAt - now) / 1000));
        throw tooMuch(
          `Your bulk actions have changed ${count.rows} tasks this minute, the most a minute allows (${rowsPerMinute}). Retry after ${retryAfter} s.`,
          retryAfter,
          `"${rowsPerMinute}-rows-per-minute"; q=${rowsPerMinute}; w=60`,
          `"${rowsPerMinute}-rows-per-minute"; r=0; t=${retryAfter}`,
        );
      }
      return oneAtATime(userId, async () => {
        const rows = await work();
        count.rows += rows;
        return rows;
      });
    },
  };
}

/** A 429 with the policy that refused it, in the RateLimit headers every 429 carries (openapi.yaml). */
function tooMuch(detail: string, retryAfter: number, policy: string, state: string): Problem {
  return new Problem(429, detail, { headers: { 'Retry-After': String(retryAfter), 'RateLimit-Policy': policy, RateLimit: state } });
}
