// How many of the pool's connections are in use, free, and waited for. knex documents no way to ask: this
// reads its tarn pool (knex.client.pool, tarn's documented numUsed/numFree/numPendingAcquires), the one
// place that does; test/db/pool-stats.test.ts pins it, so a knex release that moves it is noticed.
import type { Knex } from 'knex';

export interface PoolStats {
  used: number;
  free: number;
  pending: number;
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

export function poolStats(db: Knex): PoolStats {
  const pool = (db.client as { pool?: TarnPool }).pool;
  return { used: pool?.numUsed() ?? 0, free: pool?.numFree() ?? 0, pending: pool?.numPendingAcquires() ?? 0 };
}
