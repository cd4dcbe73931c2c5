// Readiness, answered for every probe within a second by one query: a load balancer asks often.
import type { Knex } from 'knex';

/** How long one readiness query answers for every probe that comes. */
export const READINESS_MAX_AGE_MS = 1000;

/**
 * Readiness: does PostgreSQL answer a trivial query? Rejects when it does not. Callers within `maxAgeMs`
 * of a check share it, so a flood of readiness probes costs the database one query a second at most.
 */
export function readinessCheck(db: Knex, maxAgeMs = READINESS_MAX_AGE_MS): () => Promise<void> {
  let last: { at: number; answer: Promise<void> } | undefined;
  return () => {
    if (last && Date.now() - last.at < maxAgeMs) return last.answer;
    const answer = db.raw('select 1').then(() => undefined);
    answer.catch(() => {}); // a caller may not be waiting any more; the failure is reported to those who are
    last = { at: Date.now(), answer };
    return answer;
  };
}
