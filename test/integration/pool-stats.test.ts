// src/db/pool-stats.ts reads knex's tarn pool, which knex does not document: this pins what it relies on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDb } from '../../src/db/knex.js';
import { poolStats } from '../../src/db/pool-stats.js';
import { testDatabaseUrl } from '../support/settings.js';
import { until } from '../support/until.js';


describe('pool statistics', () => {
  it('when connections are held, released and waited for, then the counts say so', async () => {
    const db = createDb(testDatabaseUrl()!, { poolMax: 2, bounds: false });
    const held = await Promise.all([db.transaction(), db.transaction()]);
    try {
      const waiting = db.raw('select 1').then(() => undefined); // a knex query starts when it is awaited
      await until(() => poolStats(db).pending === 1);
      assert.deepEqual(poolStats(db), { used: 2, free: 0, pending: 1 });
      await held[0].commit();
      await waiting;
      await held[1].commit();
      await until(() => poolStats(db).free === 2);
      assert.deepEqual(poolStats(db), { used: 0, free: 2, pending: 0 });
    } finally {
      for (const trx of held) if (!trx.isCompleted()) await trx.rollback();
      await db.destroy();
    }
  });
});
