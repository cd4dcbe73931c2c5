import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { testDatabaseUrl } from '../support/settings.js';
import { createDb } from '../../src/db/knex.js';
import { migrations } from '../../migrations/index.js';
import { migrateLatest, migrateRollback, migrationStatus } from '../../migrations/migrate.js';

// Each run gets a database of its own, so up/down never touches the shared test schema.
let admin: Knex;
let name: string;
let url: string;
before(async () => {
  admin = createDb(testDatabaseUrl()!, { bounds: false });
  name = `tasks_migrations_${randomBytes(4).toString('hex')}`;
  await admin.raw(`create database ${name}`);
  const parsed = new URL(testDatabaseUrl()!);
  parsed.pathname = `/${name}`;
  url = parsed.href;
});
after(async () => {
  await admin.raw(`drop database if exists ${name} with (force)`);
  await admin.destroy();
});

const tables = async (db: Knex) =>
  (await db('pg_tables').where({ schemaname: 'public' }).pluck('tablename')).filter((t: string) => !t.startsWith('knex_')).sort();

describe('migrations', () => {
  it('when two instances migrate at once, then one applies everything and the other finds nothing to do', async () => {
    const [a, b] = [createDb(url, { bounds: false }), createDb(url, { bounds: false })];
    try {
      const results = await Promise.all([migrateLatest(a), migrateLatest(b)]);
      assert.deepEqual(results.map((r) => r.length).sort(), [0, Object.keys(migrations).length]);
      assert.deepEqual(await tables(a), ['idempotency_keys', 'task_events', 'tasks', 'users']);
      assert.deepEqual((await migrationStatus(a)).pending, []);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });

  it('when rolled back and applied again, then the schema goes away completely and comes back', async () => {
    const db = createDb(url, { bounds: false });
    try {
      assert.deepEqual(await migrateRollback(db, true), Object.keys(migrations).reverse());
      assert.deepEqual(await tables(db), []);
      assert.equal((await db.raw(`select count(*)::int as n from pg_type where typname = 'task_priority'`)).rows[0].n, 0);
      await migrateLatest(db);
      assert.deepEqual(await tables(db), ['idempotency_keys', 'task_events', 'tasks', 'users']);
    } finally {
      await db.destroy();
    }
  });

  it("when a row breaks the contract's limits, then the database refuses it too", async () => {
    const db = createDb(url, { bounds: false });
    try {
      await db('users').insert({ id: 'u1' });
      const ok = { user_id: 'u1', id: 1, title: 'fine' };
      await db('tasks').insert(ok);
      const bad: Array<[string, Record<string, unknown>]> = [
        ['title of 201 code points', { title: '😀'.repeat(201) }],
        ['blank title', { title: '   ' }],
        ['description of 1001', { description: 'd'.repeat(1001) }],
        ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
        ['duplicate tags', { tags: ['a', 'a'] }],
        ['empty tag', { tags: [''] }],
        ['tag of 51', { tags: ['x'.repeat(51)] }],
        ['completed without completed_at', { completed: true }],
        ['unknown priority', { priority: 'urgent' }],
        ['unknown user', { user_id: 'nobody' }],
        ['id of 0', { id: 0 }],
        ['id of 2^53', { id: '9007199254740992' }],
        ['an id the user already has', { id: 1 }],
      ];
      for (const [what, change] of bad) {
        await assert.rejects(db('tasks').insert({ ...ok, id: 2, ...change }), /violates|invalid input value/, what);
      }
      await db('users').where({ id: 'u1' }).delete();
      assert.equal((await db('tasks').count({ n: '*' }))[0]!.n, 0, "deleting a user deletes the user's tasks");
    } finally {
      await db.destroy();
    }
  });

  it('when a user lists tasks by each sort key, then an index scan of that user gives the order (no sort, no seq scan)', async () => {
    const db = createDb(url, { bounds: false });
    try {
      await db('users').insert([{ id: 'u2' }, { id: 'u3' }]);
      for (const user of ['u2', 'u3']) {
        await db.raw(
          `insert into tasks (user_id, id, title, priority, due_date)
           select ?, i, 'task ' || i, (array['low','medium','high'])[1 + i % 3]::task_priority,
                  case when i % 4 = 0 then null else now() + i * interval '1 hour' end
           from generate_series(1, 5000) as i`,
          [user],
        );
      }
      await db.raw('analyze tasks');
      for (const order of ['created_at', 'updated_at', 'lower(title) collate "C"', 'priority', 'due_date asc nulls last', 'due_date desc nulls last']) {
        for (const direction of order.includes('nulls') ? [''] : [' asc', ' desc']) {
          const idDirection = direction || (order.includes('desc') ? ' desc' : ' asc');
          const sql = `explain select * from tasks where user_id = 'u2' order by ${order}${direction}, id${idDirection} limit 100`;
          const plan = (await db.raw(sql)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
          assert.match(plan, /Index Scan/, `${sql}\n${plan}`);
          assert.doesNotMatch(plan, /Sort\b|Seq Scan/, `${sql}\n${plan}`);
        }
      }
    } finally {
      await db.destroy();
    }
  });
});
