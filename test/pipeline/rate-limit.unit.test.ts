// The requests-a-minute limiter on its own (src/pipeline/rate-limit.ts), counting in memory, with a clock the
// tests move: its headers, its window, its refusals. rate-limit.test.ts holds it to the same over HTTP and Redis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request, Response } from 'express';
import { Problem } from '../../src/contract/problem.js';
import { createRateLimiter, type RateLimiter } from '../../src/pipeline/rate-limit.js';

const settings = { enabled: true, perMinute: 3, searchesPerMinute: 2, rowsPerMinute: 1, concurrentPerUser: 1, redisUrl: undefined };

async function startLimiter(): Promise<{ limiter: RateLimiter; advance: (ms: number) => void }> {
  let now = Date.UTC(2026, 11, 6);
  const created = await createRateLimiter(settings, { warn: () => undefined }, () => now);
  return { limiter: created!, advance: (ms) => void (now += ms) };
}

/** One request of the caller: the headers it got, or the refusal. */
function count(limiter: RateLimiter, caller: { userId: string } | 'anonymous', options: { search?: boolean; ip?: string } = {}) {
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => void (headers[name] = value) } as unknown as Response;
  const req = { ip: options.ip ?? '192.0.2.1' } as Request;
  try {
    const pending = limiter.check(req, res, caller, { search: options.search });
    assert.equal(pending, undefined, 'counted in memory: done at once');
    return { headers };
  } catch (error) {
    assert.ok(error instanceof Problem);
    return { headers, refused: error };
  }
}

const remaining = (result: { headers: Record<string, string> }) => /; r=(\d+); t=(\d+)$/.exec(result.headers.RateLimit ?? '')?.slice(1).map(Number);

describe('the requests-a-minute limiter', () => {
  it('when a user sends requests, then each reports what is left of a window of 60 s, and the fourth is refused until the window ends', async () => {
    const { limiter, advance } = await startLimiter();
    assert.deepEqual([1, 2, 3].map(() => remaining(count(limiter, { userId: 'ada' }))), [[2, 60], [1, 60], [0, 60]]);
    advance(30_500);
    const refused = count(limiter, { userId: 'ada' });
    assert.equal(refused.refused?.status, 429);
    assert.equal(refused.refused?.options.headers?.['Retry-After'], '30');
    assert.match(refused.refused.detail, /at most 3 a minute\. Retry after 30 s\./);
    assert.deepEqual(remaining(refused), [0, 30]);
    assert.match(refused.headers['RateLimit-Policy']!, /^"3-per-minute"; q=3; w=60; pk=:[\w+/=]+:$/);
    assert.deepEqual(remaining(count(limiter, { userId: 'bob' })), [2, 60], 'another user has an allowance of their own');
    advance(29_499);
    assert.equal(count(limiter, { userId: 'ada' }).refused?.options.headers?.['Retry-After'], '1', 'never 0 s: the window has not ended');
    advance(1);
    assert.deepEqual(remaining(count(limiter, { userId: 'ada' })), [2, 60], 'a new window, a new allowance');
  });

  it('when callers differ, then so do their partition keys, and one caller keeps one', async () => {
    const { limiter } = await startLimiter();
    const pk = (userId: string) => count(limiter, { userId }).headers['RateLimit-Policy'];
    assert.equal(pk('ada'), pk('ada'));
    assert.notEqual(pk('ada'), pk('bob'));
    // What express-rate-limit 8's middleware sent for this caller, so a client that kept it sees no change.
    assert.equal(pk('ada'), '"3-per-minute"; q=3; w=60; pk=:MTlkMDE5MWE0YTA3:');
  });

  it('when a user searches, then searches count against their own allowance too, whose refusal says so and sends no RateLimit of its own', async () => {
    const { limiter } = await startLimiter();
    const first = count(limiter, { userId: 'ada' }, { search: true });
    assert.deepEqual(remaining(first), [2, 60], 'the requests allowance is what RateLimit reports');
    assert.equal(count(limiter, { userId: 'ada' }, { search: true }).refused, undefined);
    const third = count(limiter, { userId: 'ada' }, { search: true });
    assert.equal(third.refused?.status, 429);
    assert.match(third.refused.detail, /Too many searches: at most 2 a minute\. Retry after 60 s\./);
    assert.deepEqual(remaining(third), [0, 60]);
  });

  it('when 10,000 other callers are counted after a caller, then that caller is forgotten; one who keeps sending is not', async () => {
    const { limiter } = await startLimiter();
    for (let i = 0; i < 3; i++) for (const userId of ['idle', 'busy']) count(limiter, { userId });
    for (let i = 0; i < 10_000; i++) {
      count(limiter, { userId: `crowd-${i}` });
      if (i % 1000 === 0) assert.ok(count(limiter, { userId: 'busy' }).refused, 'the busy caller stays refused');
    }
    assert.deepEqual(remaining(count(limiter, { userId: 'idle' })), [2, 60], 'forgotten: a new window');
    assert.ok(count(limiter, { userId: 'busy' }).refused);
  });

  it('when callers have no token, then they are counted by address, an IPv6 /56 as one', async () => {
    const { limiter } = await startLimiter();
    const from = (ip: string) => remaining(count(limiter, 'anonymous', { ip }))?.[0];
    assert.deepEqual([from('2001:db8:0:1::1'), from('2001:db8:0:2::9'), from('192.0.2.7'), from('2001:db8:1::1')], [2, 1, 2, 2]);
  });
});


