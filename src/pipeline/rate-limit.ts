// Requests a minute per caller (the settings: src/config/limits.ts): a fixed window, IETF draft-8 `RateLimit`
// and `RateLimit-Policy` headers, `Retry-After` when refused. Callers with a valid token are counted by user,
// everyone else by client address, so a flood of bad tokens cannot use up a user's allowance. Counters live in
// process memory, or in Redis when REDIS_URL is set, so that every instance enforces one limit.
//
// express-rate-limit's middleware did this until bench:profile showed it among the largest costs of a get
// (docs/explanation/performance.md): promise turns, a debug line that evaluates `req.ip`, and a SHA-256 per
// request. What it counted with stays a library: rate-limit-redis's store for Redis (through the Store
// interface), and express-rate-limit's `ipKeyGenerator` for addresses.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { ipKeyGenerator, type Options } from 'express-rate-limit';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/index.js';
import { Problem } from '../contract/problem.js';
import { connectRedis, type SharedCounters } from './redis.js';

export interface RateLimiter {
  /**
   * Counts the request against the caller's allowance (and a search against its own too); throws a 429
   * Problem when used up. Done at once when the counters are in memory (no promise), so a request that
   * passes costs no turn of the microtask queue.
   */
  check(req: Request, res: Response, caller: { userId: string } | 'anonymous', options?: { search?: boolean }): void | Promise<void>;
  close(): Promise<void>;
}

interface Log { warn(message: string): void }

/** A caller's requests in the current window, and when it ends (ms since the epoch). */
interface Window { hits: number; resetAt: number }
/** Counts one more request of `key`; undefined when the count could not be had (Redis unavailable). */
type Counter = (key: string) => Window | Promise<Window | undefined>;

const WINDOW_MS = 60_000;
/**
 * The most callers counted at once in memory, the least recently seen dropped first: what a flood of
 * addresses costs in memory is bounded, and lru-cache allocates its arrays for all of them up front (the
 * resident memory this costs: docs/explanation/performance.md). A caller's count is dropped only when this
 * many others have been counted since its last request, so one who keeps sending is never forgotten.
 */
const COUNTED_CALLERS = 10_000;

/** `clock` is the time in ms since the epoch: tests move it to the next window. */
export async function createRateLimiter(config: Config['rateLimit'], log: Log, clock: () => number = Date.now): Promise<RateLimiter | undefined> {
  if (!config.enabled) return undefined;
  const { perMinute, searchesPerMinute } = config;
  const shared = config.redisUrl ? await connectRedis(config.redisUrl, log) : undefined;
  const [requests, searches] = shared
    ? await Promise.all([redisCounter(shared, 'tasks-api:rate:', clock), redisCounter(shared, 'tasks-api:search:', clock)]).catch((error: unknown) => {
        shared.redis.disconnect(); // the service does not start: nothing else would close it
        throw error;
      })
    : [memoryCounter(clock), memoryCounter(clock)];
  const policy = `"${perMinute}-per-minute"`;
  const partitionKeys = new LRUCache<string, string>({ max: COUNTED_CALLERS });

  /** The allowance's headers, on every answer; a 429 past it. */
  const countRequest = (res: Response, key: string, window: Window | undefined) => {
    if (!window) return; // Redis unavailable: let requests through rather than refuse everyone
    const seconds = secondsLeft(window, clock());
    res.setHeader('RateLimit', `${policy}; r=${Math.max(perMinute - window.hits, 0)}; t=${seconds}`);
    res.setHeader('RateLimit-Policy', `${policy}; q=${perMinute}; w=${WINDOW_MS / 1000}; pk=:${partitionKey(partitionKeys, key)}:`);
    if (window.hits > perMinute) throw refusal(`Too many requests: at most ${perMinute} a minute.`, seconds);
  };
  // Searches are counted again, against a smaller allowance: a page of search results costs the database
  // more the more tasks a user has (docs/explanation/performance.md). Their headers would replace the
  // requests' ones, so a search's count sends none but Retry-After, on a refusal.
  const countSearch = (window: Window | undefined) => {
    if (window && window.hits > searchesPerMinute) throw refusal(`Too many searches: at most ${searchesPerMinute} a minute.`, secondsLeft(window, clock()));
  };

  return {
    check(req, res, caller, { search = false } = {}) {
      const key = caller === 'anonymous' ? `ip:${ipKeyGenerator(req.ip ?? '')}` : `user:${caller.userId}`;
      const counted = requests(key);
      if (!(counted instanceof Promise)) {
        countRequest(res, key, counted);
        if (search) countSearch(searches(key) as Window); // in memory too, so counted at once
        return;
      }
      return counted.then(async (window) => {
        countRequest(res, key, window);
        // Redis did not count the request: it is let through uncounted, and not kept waiting a second time.
        if (search && window) countSearch(await searches(key));
      });
    },
    async close() {
      await shared?.redis.quit();
    },
  };
}

/** Whole seconds until the window ends; at least 1 in a Retry-After, which asks the client to wait. */
function secondsLeft({ resetAt }: Window, now: number): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000));
}

function refusal(detail: string, retryAfter: number): Problem {
  return new Problem(429, `${detail} Retry after ${retryAfter} s.`, { headers: { 'Retry-After': String(retryAfter) } });
}

/**
 * Draft-8's partition key: which counter answered, without naming the caller. The same value
 * express-rate-limit sent (the base64 of a SHA-256's first 12 hex digits), so clients see no change.
 */
function partitionKey(cache: LRUCache<string, string>, key: string): string {
  let pk = cache.get(key);
  if (pk === undefined) cache.set(key, (pk = Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64')));
  return pk;
}

/** A fixed window per caller in this process's memory, counted at once. */
function memoryCounter(clock: () => number): Counter {
  const windows = new LRUCache<string, Window>({ max: COUNTED_CALLERS });
  return (key) => {
    const now = clock();
    let window = windows.get(key);
    if (!window || window.resetAt <= now) windows.set(key, (window = { hits: 0, resetAt: now + WINDOW_MS }));
    window.hits++;
    return window;
  };
}

/** A fixed window per caller in Redis, shared by every instance: rate-limit-redis's store, through the Store interface. */
async function redisCounter({ redis, failed }: SharedCounters, prefix: string, clock: () => number): Promise<Counter> {
  // Loaded only when used: a process without REDIS_URL does not carry it in memory.
  const { RedisStore } = await import('rate-limit-redis');
  const store = new RedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never });
  // The Store interface hands init the limiter's options; this store reads only the window (the Redis test
  // in test/pipeline/rate-limit.test.ts counts across two instances through it).
  await store.init({ windowMs: WINDOW_MS } as Options);
  return async (key) => {
    try {
      const { totalHits, resetTime } = await store.increment(key);
      return { hits: totalHits, resetAt: resetTime?.getTime() ?? clock() + WINDOW_MS };
    } catch (error) {
      failed(error as Error); // ioredis reconnects by itself
      return undefined;
    }
  };
}
