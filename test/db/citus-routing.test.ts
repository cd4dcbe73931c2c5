// On Citus, every task statement of a request runs on the one shard of its user. Two proofs, for every
// operation of the task SQL (get, create with its owner upsert, idempotent create and its replay, update,
// toggle, set, delete, each list sort in both orders, filters, search, a cursor's next page):
// - EXPLAIN of each statement the task SQL sent: one router task, nothing pulled through the coordinator
//   (the sync statements too: counts, changes, bulk actions);
// - the commands the coordinator sent to the workers (citus.log_remote_commands), which also show what the
//   functions inside a statement did (claim_task_id's upsert of the owner): all on one server, all on shards
//   of one shard group (co-located shards hold the same range of hashes).
// On plain PostgreSQL there is nothing to prove, and the tests say so.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import knex, { type Knex } from 'knex';
import type pg from 'pg';
import { testDatabaseUrl } from '../support/settings.js';
import { createSyncRepository, type SyncRepository } from '../../src/sync/repository.js';
import { createOnce } from '../../src/tasks/idempotency.sql.js';
import { readPage } from '../../src/tasks/list.sql.js';
import { getTask, insertTask, removeTask, setCompleted, updateTask } from '../../src/tasks/writes.sql.js';
import type { SortKey, TaskFields } from '../../src/tasks/task.js';
import { newUserId } from '../helpers.js';
import { explain, onCitus } from '../support/plans.js';

let db: Knex;
let sync: SyncRepository;
let citus = false;
const statements: Array<{ sql: string; bindings: unknown[] }> = [];
const remote: Array<{ command: string; server: string }> = [];

before(async () => {
  // One connection, which logs what the coordinator sends to the workers as notices.
  db = knex({
    client: 'pg',
    connection: testDatabaseUrl()!,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: pg.Client, done: (error: Error | null, conn: pg.Client) => void) {
        conn.on('notice', (notice) => {
          const command = /^issuing (.*)$/s.exec(notice.message ?? '')?.[1];
          if (command) remote.push({ command, server: /on server (\S+)/.exec(notice.detail ?? '')?.[1] ?? '?' });
        });
        conn.query("select set_config('citus.log_remote_commands', 'on', false) where exists (select 1 from pg_extension where extname = 'citus')")
          .then(() => done(null, conn), (error: Error) => done(error, conn));
      },
    },
  });
  sync = createSyncRepository(db);
  citus = await onCitus(db);
  // A named statement's values travel in pg's options (statement.ts), a builder's in knex's bindings.
  db.on('query', (q: { sql: string; bindings?: unknown[]; options?: { values?: unknown[] } }) =>
    statements.push({ sql: q.sql, bindings: q.options?.values ?? q.bindings ?? [] }));
});
after(() => db.destroy());

const FIELDS: TaskFields = { title: 'Routed', description: 'on one shard', completed: false, priority: 'high', tags: ['work'], due_date: new Date('2030-01-01T00:00:00Z') };

/** Shard id → the first hash of its range: co-located shards (one user's users, tasks, keys) share it. */
async function shardGroups(): Promise<Map<string, string>> {
  const { rows } = await db.raw<{ rows: Array<{ shardid: string; shardminvalue: string }> }>('select shardid::text, shardminvalue from pg_dist_shard');
  return new Map(rows.map((r) => [r.shardid, r.shardminvalue]));
}

/**
 * Runs `work` and checks both proofs for what it sent: the statements, by EXPLAIN; the commands the
 * workers received, by their shards and servers.
 */
async function assertOneShard(t: TestContext, what: string, work: () => Promise<unknown>): Promise<void> {
  if (!citus) return t.skip('not a Citus coordinator: a single PostgreSQL has one "shard"');
  statements.length = 0;
  remote.length = 0;
  await work();
  const sent = statements.filter((s) => !/^(begin|commit|rollback)\b/i.test(s.sql.trim()));
  assert.ok(sent.length > 0, `${what}: statements were captured`);
  for (const { sql, bindings } of sent) {
    // Not ANALYZE: the statement is planned, as it was, and not run a second time.
    const explained = await explain(db, sql, bindings, { analyze: false });
    assert.ok(explained.router, `${what}: one router query on one shard: ${sql}\n${JSON.stringify(explained.raw)}`);
  }
  const groups = await shardGroups();
  const touched = remote.flatMap(({ command }) => [...command.matchAll(/\bpublic\.\w+?_(\d{5,})\b/g)].map((m) => m[1]!));
  assert.ok(touched.length >= sent.length, `${what}: the workers' commands were captured\n${remote.map((r) => r.command).join('\n')}`);
  assert.equal(new Set(touched.map((shard) => groups.get(shard))).size, 1, `${what}: one shard group\n${remote.map((r) => r.command).join('\n')}`);
  assert.equal(new Set(remote.map((r) => r.server)).size, 1, `${what}: one server`);
}

describe('on Citus, each request is a router query on its user\'s shard', () => {
  it('when a task is created, read, updated, toggled, set and deleted, then each statement runs on one shard', async (t) => {
    const owner = { id: newUserId(), email: 'routed@example.com', name: 'Routed' };
    let id = 0;
    await assertOneShard(t, 'create, with the owner upsert', async () => { id = (await insertTask(db, owner, FIELDS)).task.id; });
    if (!citus) return;
    await assertOneShard(t, 'get', () => getTask(db, owner.id, id));
    await assertOneShard(t, 'update', () => updateTask(db, owner.id, id, { title: 'Moved', completed: true }, undefined));
    await assertOneShard(t, 'update if it matches', () => updateTask(db, owner.id, id, { title: 'Moved again' }, [1]));
    await assertOneShard(t, 'toggle', () => setCompleted(db, owner.id, id, undefined, undefined));
    await assertOneShard(t, 'set', () => setCompleted(db, owner.id, id, true, '*'));
    await assertOneShard(t, 'delete', () => removeTask(db, owner.id, id, undefined));
  });

  it('when a create carries an Idempotency-Key, then its claim, the task and a replay each run on one shard', async (t) => {
    const owner = { id: newUserId(), email: null, name: null };
    const claim = { key: 'retry-1', requestHash: 'h1' };
    await assertOneShard(t, 'idempotent create', () => createOnce(db, owner, FIELDS, claim));
    await assertOneShard(t, 'its replay', () => createOnce(db, owner, FIELDS, claim));
    await assertOneShard(t, 'the key with another body', () => createOnce(db, owner, FIELDS, { ...claim, requestHash: 'h2' }));
  });

  it('when a user lists by every sort, filters, searches and follows a cursor, then each page runs on one shard', async (t) => {
    const owner = { id: newUserId(), email: null, name: null };
    if (citus) for (let i = 0; i < 5; i++) await insertTask(db, owner, { ...FIELDS, title: `Task ${i}`, due_date: i % 2 ? null : FIELDS.due_date });
    for (const sort of ['created', 'updated', 'title', 'due_date', 'priority'] as SortKey[]) {
      for (const order of ['asc', 'desc'] as const) {
        let next: Awaited<ReturnType<typeof readPage>>['next'];
        await assertOneShard(t, `${sort} ${order}`, async () => { next = (await readPage(db, owner.id, { sort, order, limit: 2 })).next; });
        if (!citus) return;
        assert.ok(next, 'a next page');
        await assertOneShard(t, `${sort} ${order}, next page`, () => readPage(db, owner.id, { sort, order, limit: 2, after: next }));
      }
    }
    await assertOneShard(t, 'filters', () =>
      readPage(db, owner.id, { sort: 'created', order: 'desc', limit: 10, completed: false, priority: 'high', tags: ['work'], dueAfter: new Date(0), dueBefore: new Date('2100-01-01') }));
    await assertOneShard(t, 'search', () => readPage(db, owner.id, { sort: 'created', order: 'desc', limit: 10, search: 'task' }));
  });

  it('when a client syncs (counts, changes since a number, bulk completion, deleting completed tasks), then each statement runs on one shard', async (t) => {
    const owner = { id: newUserId(), email: null, name: null };
    if (citus) for (let i = 0; i < 3; i++) await insertTask(db, owner, { ...FIELDS, title: `Sync ${i}` });
    await assertOneShard(t, 'summary', () => sync.summary(owner.id));
    if (!citus) return;
    await assertOneShard(t, 'last change', () => sync.lastChange(owner.id));
    await assertOneShard(t, 'changes after a number', () => sync.changesAfter(owner.id, 1, 10));
    await assertOneShard(t, 'bulk completion with filters', () => sync.setCompletedWhere(owner.id, { priority: 'high', tags: ['work'], search: 'sync' }, true));
    await assertOneShard(t, 'deleting completed tasks', () => sync.deleteCompleted(owner.id));
  });
});
