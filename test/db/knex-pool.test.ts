// src/db/knex-pool.ts borrows connections from knex's pool through its client's acquireConnection and
// releaseConnection, which knex does not document, and emits knex's query events itself: pinned here against
// the installed knex, on a real connection, beside what knex's own query path does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { createDb, DATABASE_BOUNDS } from '../../src/db/knex.js';
import { queryOnPool } from '../../src/db/knex-pool.js';
import { poolStats } from '../../src/db/pool-stats.js';
import { testDatabaseUrl } from '../support/settings.js';
import { until } from '../support/until.js';

type Seen = Array<[event: string, query: Record<string, unknown>, result?: unknown]>;

/** Every query event of `db` while `work` runs. */
async function eventsOf(db: Knex, work: () => Promise<unknown>): Promise<Seen> {
  const seen: Seen = [];
  const onQuery = (query: Record<string, unknown>) => seen.push(['query', query]);
  const onResponse = (response: unknown, query: Record<string, unknown>) => seen.push(['query-response', query, response]);
  const onError = (error: unknown, query: Record<string, unknown>) => seen.push(['query-error', query, error]);
  db.on('query', onQuery).on('query-response', onResponse).on('query-error', onError);
  try {
    await work().catch(() => undefined);
  } finally {
    db.off('query', onQuery).off('query-response', onResponse).off('query-error', onError);
  }
  return seen;
}

const shape = (seen: Seen) =>
  seen.map(([event, query]) => [event, typeof query.__knexUid, typeof query.__knexQueryUid, query.sql]);

describe('statements on knex\'s pool', () => {
  let db: Knex;
  before(() => {
    db = createDb(testDatabaseUrl()!, { poolMax: 1, bounds: { ...DATABASE_BOUNDS, acquireMs: 300 } });
  });
  after(() => db.destroy());

  it('when a statement runs, then its connection is the pool\'s, given back after, and the pool\'s bound and timeout hold', async () => {
    const held = await db.transaction(); // the pool's one connection
    try {
      const waiting = queryOnPool(db, { text: 'select 1 as one' });
      await until(() => poolStats(db).pending === 1);
      await assert.rejects(waiting, { name: 'KnexTimeoutError' });
    } finally {
      await held.commit();
    }
    const { rows } = await queryOnPool(db, { text: 'select $1::int as one', values: [1] });
    assert.deepEqual(rows, [{ one: 1 }]);
    assert.deepEqual(poolStats(db), { used: 0, free: 1, pending: 0 });
  });

  it('when something listens, then query and query-response (or query-error) come as knex\'s own path emits them', async () => {
    const text = 'select $1::int as one';
    const ours = await eventsOf(db, () => queryOnPool(db, { text, values: [1] }));
    const knexs = await eventsOf(db, () => db.raw(text).options({ values: [1] }));
    assert.deepEqual(shape(ours), shape(knexs));
    assert.deepEqual(shape(ours), [['query', 'string', 'string', text], ['query-response', 'string', 'string', text]]);
    assert.equal(ours[0]![1].__knexQueryUid, ours[1]![1].__knexQueryUid, 'one query, one id');
    assert.deepEqual((ours[1]![2] as { rows: unknown[] }).rows, [{ one: 1 }]);

    const failing = 'select 1 / $1::int';
    const failed = await eventsOf(db, () => queryOnPool(db, { text: failing, values: [0] }));
    assert.deepEqual(shape(failed), shape(await eventsOf(db, () => db.raw(failing).options({ values: [0] }))));
    assert.deepEqual(shape(failed), [['query', 'string', 'string', failing], ['query-error', 'string', 'string', failing]]);
    assert.equal((failed[1]![2] as { code?: string }).code, '22012', 'division_by_zero, as PostgreSQL said it');
    assert.deepEqual(poolStats(db), { used: 0, free: 1, pending: 0 });
  });
});
