// What one user's requests may cost the database (the settings: src/config/limits.ts), beyond their number a
// minute (rate-limit.ts).
import { LRUCache } from 'lru-cache';
import { Problem } from '../contract/problem.js';

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
/**
 * The most users whose rows are counted at once, the least recent bulk writer dropped first (its window has
 * most likely ended); lru-cache allocates its arrays for all of them up front, as rate-limit.ts says.
 */
const COUNTED_USERS = 10_000;

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
