// Distribution as part of the schema's life: on a Citus cluster, a database of its own (on every node) is
// migrated before it has the citus extension, as a database that grows into Citus would have been; then
// the extension comes, `npm run db:distribute`'s function distributes the tables with their rows, a later
// migration (a column, an index, a constraint) applies and rolls back on the distributed tables, and the
// distributing migration itself rolls back and applies again. On plain PostgreSQL the tests say why they
// skip (migrations.test.ts covers the same migrations there, where distributing is a no-op).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import knex, { type Knex } from 'knex';
import { createDb } from '../../src/db/knex.js';
import { MIGRATIONS, migrateLatest } from '../../migrations/migrate.js';
import { insertTask, setCompleted } from '../../src/tasks/writes.sql.js';
import { distribute } from '../../src/db/citus.js';
import { migrations } from '../../migrations/index.js';
import { testDatabaseUrl } from '../support/settings.js';
import { onCitus } from '../support/plans.js';
import { newUserId } from '../helpers.js';

const name = `tasks_citus_${randomBytes(4).toString('hex')}`;
let admin: Knex;
let citus = false;
let nodes: Array<{ host: string; port: number; worker: boolean }> = [];
let db: Knex;

const urlOf = (host: string, port: number) => {
  const url = new URL(testDatabaseUrl()!);
  url.host = `${host}:${port}`;
  url.pathname = `/${name}`;
  return url.href;
};

before(async () => {
  // One connection, so that the session setting holds for the statements after it.
  admin = knex({ client: 'pg', connection: testDatabaseUrl()!, pool: { min: 1, max: 1 } });
  citus = await onCitus(admin);
  if (!citus) return;
  const { rows } = await admin.raw<{ rows: Array<{ nodename: string; nodeport: number; groupid: number }> }>(
    "select nodename, nodeport, groupid from pg_dist_node where noderole = 'primary' order by groupid",
  );
  nodes = rows.map((r) => ({ host: r.nodename, port: r.nodeport, worker: r.groupid > 0 }));
  await admin.raw('set citus.enable_create_database_propagation = on');
  await admin.raw(`create database ${name}`); // on every node
  const coordinator = nodes.find((n) => !n.worker)!;
  db = createDb(urlOf(coordinator.host, coordinator.port), { bounds: false });
});
after(async () => {
  await db?.destroy();
  if (citus) await admin.raw(`drop database if exists ${name} with (force)`);
  await admin.destroy();
});

/** What `create extension citus` and registering the workers does for a database that moves to Citus. */
async function becomeCitus(): Promise<void> {
  for (const node of nodes.filter((n) => n.worker)) {
    const worker = createDb(urlOf(node.host, node.port), { bounds: false });
    await worker.raw('create extension if not exists citus');
    await worker.destroy();
  }
  const coordinator = nodes.find((n) => !n.worker)!;
  await db.raw('create extension if not exists citus');
  await db.raw('select citus_set_coordinator_host(?, ?)', [coordinator.host, coordinator.port]);
  for (const node of nodes.filter((n) => n.worker)) await db.raw('select citus_add_node(?, ?)', [node.host, node.port]);
}

const distributed = async () =>
  (await db.raw<{ rows: Array<{ t: string }> }>('select logicalrelid::regclass::text as t from pg_dist_partition order by 1')).rows.map((r) => r.t);
const count = async (table: string) => Number((await db(table).count({ n: '*' }))[0]!.n);
const ALL = ['idempotency_keys', 'task_events', 'tasks', 'users'];
/** The user's counts and change log, which the triggers on tasks keep. */
const ledger = async () => ({
  user: await db('users').select('task_count', 'completed_count', 'last_event_seq'),
  events: await db('task_events').select('seq', 'kind', 'task_id').orderBy('seq'),
});

/**
 * A later migration, as a user of this project would write one: a column, a check, an index led by user.
 * On Citus each statement goes in a call of its own, and a constraint is not declared inside ADD COLUMN (as
 * the stub says): Citus refuses both.
 */
const later: Knex.Migration = {
  async up(k) {
    await k.raw('alter table tasks add column estimate_minutes integer');
    await k.raw('alter table tasks add constraint tasks_estimate_range check (estimate_minutes between 0 and 10000)');
    await k.raw('create index tasks_user_estimate on tasks (user_id, estimate_minutes, id)');
  },
  async down(k) {
    await k.raw('drop index tasks_user_estimate');
    await k.raw('alter table tasks drop column estimate_minutes');
  },
};
const withLater: Knex.MigratorConfig = {
  ...MIGRATIONS,
  migrationSource: {
    getMigrations: () => Promise.resolve([...Object.keys(migrations), '29991231000000_later'].map((file) => ({ file }))),
    getMigrationName: ({ file }: { file: string }) => file,
    getMigration: ({ file }: { file: string }) => Promise.resolve(file === '29991231000000_later' ? later : migrations[file]!),
  },
};

describe('distributing the schema on Citus', { concurrency: false }, () => {
  const owner = { id: newUserId(), email: null, name: null };
  const fields = { title: 'Kept', description: null, completed: false, priority: 'medium' as const, tags: [], due_date: null };

  it('when a database migrated without Citus gets the extension, then db:distribute distributes its tables, rows kept', async (t) => {
    if (!citus) return t.skip('not a Citus coordinator');
    await migrateLatest(db);
    assert.deepEqual(await distribute(db), [], 'without the extension, nothing');
    for (let i = 0; i < 3; i++) await insertTask(db, owner, fields);
    await setCompleted(db, owner.id, 1, undefined, undefined);
    const before = await ledger();
    await becomeCitus();
    assert.deepEqual(await distribute(db), ['users', 'tasks', 'idempotency_keys', 'task_events']);
    assert.deepEqual(await distributed(), ALL);
    assert.deepEqual(await distribute(db), [], 'a second run has nothing left to do');
    assert.equal(await count('tasks'), 3);
    assert.deepEqual(await ledger(), before, 'moving the rows neither counted nor logged them again');
    const created = await insertTask(db, owner, fields);
    assert.equal(created.task.id, 4, 'ids go on counting the user’s tasks');
    assert.equal((await setCompleted(db, owner.id, created.task.id, undefined, undefined) as { task: { completed: boolean } }).task.completed, true);
  });

  it('when a later migration changes a distributed table, then it applies and rolls back like any other', async (t) => {
    if (!citus) return t.skip('not a Citus coordinator');
    await db.migrate.latest(withLater);
    await db('tasks').where({ user_id: owner.id, id: 1 }).update({ estimate_minutes: 30 });
    await assert.rejects(db('tasks').where({ user_id: owner.id, id: 2 }).update({ estimate_minutes: -1 }), /check constraint/, 'the check holds on the shards');
    const { rows } = await db.raw<{ rows: unknown[] }>(`select 1 from run_command_on_shards('tasks', $$
      select count(*) from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = '%s'::regclass and starts_with(c.relname, 'tasks_user_estimate')$$) where result <> '1'`);
    assert.deepEqual(rows, [], 'every shard has the index');
    await db.migrate.rollback(withLater);
    assert.equal(await count('tasks'), 4);
  });

  it('when the distributing migration is rolled back and applied again, then the tables become local and distributed again, rows kept', async (t) => {
    if (!citus) return t.skip('not a Citus coordinator');
    // Migration by migration (a rollback would undo the whole first batch), down to before distributing.
    await db.migrate.down(MIGRATIONS); // the change log's bound by count
    assert.deepEqual(await distributed(), ALL);
    await db.migrate.down(MIGRATIONS); // the change log's
    assert.deepEqual(await distributed(), ['idempotency_keys', 'tasks', 'users']);
    await db.migrate.down(MIGRATIONS); // the distributing one
    assert.deepEqual(await distributed(), []);
    assert.equal(await count('tasks'), 4);
    assert.deepEqual(await migrateLatest(db), ['20261205010000_distribute_by_user', '20261206000000_task_events', '20261207000000_change_log_kept_by_count']);
    assert.deepEqual(await distributed(), ALL);
    assert.equal(await count('tasks'), 4);
    await db('tasks').where({ user_id: owner.id, id: 4 }).update({ title: 'Changed' });
    const after = await ledger();
    assert.equal(after.events.at(-1)?.kind, 'updated', 'the triggers are on again');
    assert.equal(Number(after.user[0]!.task_count), 4);
  });
});
