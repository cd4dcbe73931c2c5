// EXPLAIN ANALYZE of the SQL a list really sends (captured from knex), on a user with 20,000 tasks
// beside another user with as many: every list query reads about one page of that user's rows through an
// index, never with a sequential scan and never sorting more than a page. On Citus each is also shown to
// run on one shard, and the plan examined is that shard's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { testDatabaseUrl } from '../support/settings.js';
import { createDb } from '../../src/db/knex.js';
import { createSyncRepository } from '../../src/sync/repository.js';
import { readPage } from '../../src/tasks/list.sql.js';
import type { ListOptions, SortKey } from '../../src/tasks/task.js';
import { newUserId } from '../helpers.js';
import { explain, nodes, onCitus, sameShardAs, type PlanNode } from '../support/plans.js';

let db: Knex;
const captured: Array<{ sql: string; bindings: unknown[] }> = [];
const big = newUserId();
let neighbour = newUserId();
const PER_USER = 20_000;
// Everyone else, with tasks like theirs: the two users are a sixth of the table, as one user is a sliver
// of a real one. (With the table theirs alone, reading it whole can be the planner's honest best, and its
// choice flips with what other tests write at the same time.) On Citus the crowd shares their shard too:
// spread over every shard, it left the two users most of theirs, and a search now and then read it whole.
let crowd = Array.from({ length: 100 }, () => newUserId());
const CROWD_TASKS = 2_000;

/**
 * Tasks 1..count for each user, spread as real ones are, seeded without the change-log triggers (this
 * transaction only): their events would only slow the seeding and change no plan here.
 */
async function seed(users: string[], count: number): Promise<void> {
  await db.transaction(async (trx) => {
    if (await onCitus(trx)) await trx.raw("set local citus.propagate_set_commands = 'local'"); // to the workers too
    await trx.raw("set local session_replication_role = 'replica'");
    await trx('users').insert(users.map((id) => ({ id, last_task_id: count })));
    await trx.raw(
      `insert into tasks (user_id, id, title, description, completed, completed_at, priority, tags, due_date, created_at, updated_at)
       select u, i, 'task ' || md5(i::text), case when i % 3 = 0 then 'note ' || md5((i * 7)::text) end,
              i % 10 < 3, case when i % 10 < 3 then now() end,
              (array['low','medium','high'])[1 + i % 3]::task_priority,
              case i % 4 when 0 then array[]::text[] when 1 then array['work'] when 2 then array['home', 'errands']
                         else array['work', 'urgent'] end,
              case when i % 4 = 0 then null else now() + (i % 500) * interval '1 day' end,
              now() - i * interval '1 second', now() - i * interval '1 second'
       from unnest(?::text[]) as u, generate_series(1, ?) as i`,
      [users, count],
    );
  });
}

before(async () => {
  db = createDb(testDatabaseUrl()!, { bounds: false });
  // On Citus the neighbour and the crowd share the user's shard, as on one server they share the table.
  if (await onCitus(db)) {
    const [first, ...rest] = await sameShardAs(db, big, newUserId, 1 + crowd.length);
    [neighbour, crowd] = [first!, rest];
  }
  await seed([big, neighbour], PER_USER);
  await seed(crowd, CROWD_TASKS);
  await db.raw('analyze tasks');
  // A named statement's values travel in pg's options (statement.ts), a builder's in knex's bindings.
  db.on('query', (q: { sql: string; bindings?: unknown[]; options?: { values?: unknown[] } }) => captured.push({ sql: q.sql, bindings: q.options?.values ?? q.bindings ?? [] }));
});
after(async () => {
  await db('users').whereIn('id', [big, neighbour, ...crowd]).delete(); // the machine's test database is kept between runs
  await db.destroy();
});

/**
 * Runs a page through readPage and EXPLAIN ANALYZEs every statement it sent, once it is sure that what
 * it caught is the listing of that user: a capture that caught nothing would pass every check.
 */
async function plansOf(options: ListOptions): Promise<PlanNode[]> {
  captured.length = 0;
  await readPage(db, big, options);
  const statements = [...captured];
  assert.ok(statements.length > 0, 'the listing sent statements, and they were captured');
  const plans: PlanNode[] = [];
  for (const { sql, bindings } of statements) {
    assert.match(sql, /from "?tasks"? where "?user_id"? = \$1/, 'a listing of one user');
    assert.equal(bindings[0], big);
    const explained = await explain(db, sql, bindings);
    assert.ok(explained.router, `one router query on one shard\n${JSON.stringify(explained.raw)}`);
    plans.push(explained.plan);
  }
  return plans;
}

function shape(plan: PlanNode): string {
  return JSON.stringify(nodes(plan).map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}: ${n['Actual Rows'] * n['Actual Loops']}`));
}

/**
 * No sequential scan; an index is used; and every scan, and every sort, handles at most one page of rows.
 * (Near the end of a list the planner may fetch the few remaining rows by bitmap and sort them: that sort
 * is bounded by the page, which is the point, not a sort of all of the user's tasks.)
 */
function assertOnePageRead(plan: PlanNode, limit: number, what: string) {
  const all = nodes(plan);
  assert.ok(!all.some((n) => n['Node Type'] === 'Seq Scan'), `${what}: no sequential scan\n${shape(plan)}`);
  assert.ok(all.some((n) => /Index/.test(n['Node Type'])), `${what}: an index is used\n${shape(plan)}`);
  for (const node of all.filter((n) => /Scan|Sort/.test(n['Node Type']))) {
    assert.ok(node['Actual Rows'] * node['Actual Loops'] <= limit + 1, `${what}: ${node['Node Type']} handled more than a page of ${limit}\n${shape(plan)}`);
  }
}

const SORTS: SortKey[] = ['created', 'updated', 'title', 'due_date', 'priority'];

describe('query plans on a user with 20,000 tasks', () => {
  for (const sort of SORTS) {
    for (const order of ['asc', 'desc'] as const) {
      it(`when listing by ${sort} ${order}, then the first, a middle and the last page each read about one page through an index`, async () => {
        const limit = 100;
        for (const plan of await plansOf({ sort, order, limit })) assertOnePageRead(plan, limit, `${sort} ${order}, first page`);
        // A cursor from deep in the list: the page is read from there, not counted up to it.
        const middle = await readPage(db, big, { sort, order, limit: PER_USER / 2 });
        for (const plan of await plansOf({ sort, order, limit, after: middle.next! })) assertOnePageRead(plan, limit, `${sort} ${order}, middle page`);
        const nearEnd = await readPage(db, big, { sort, order, limit: PER_USER - 50 });
        for (const plan of await plansOf({ sort, order, limit, after: nearEnd.next! })) {
          assertOnePageRead(plan, limit, `${sort} ${order}, last page`);
        }
      });
    }
  }

  it('when filtering by status or priority, then the page is still read in index order without a sort', async () => {
    for (const options of [{ completed: false }, { priority: 'high' as const }, { completed: true, priority: 'low' as const }]) {
      for (const plan of await plansOf({ sort: 'created', order: 'desc', limit: 50, ...options })) {
        const types = nodes(plan).map((n) => n['Node Type']);
        assert.ok(!types.includes('Seq Scan') && !types.includes('Sort'), `${JSON.stringify(options)}: ${JSON.stringify(types)}`);
      }
    }
  });

  // Which way a search goes depends on the planner's guess of how many tasks match: through the trigram
  // indexes (reading the user's matches), along the sort index, filtering, until a page is found (cheap
  // for a frequent term; for a rare one it may read far into the user's tasks, as docs/explanation/performance.md says), or
  // through another index led by the user (on Citus' smaller shards it has taken the tags index). What
  // holds every way is that it reads only this user's rows, through an index, never the table.
  it('when searching, then an index led by this user serves it, never a scan of the table', async () => {
    for (const plan of await plansOf({ sort: 'created', order: 'desc', limit: 50, search: 'a1b2' })) {
      const all = nodes(plan);
      assert.ok(!all.some((n) => n['Node Type'] === 'Seq Scan'), shape(plan));
      const scans = all.filter((n) => n['Index Name'] !== undefined);
      assert.ok(scans.length > 0, `an index is used\n${shape(plan)}`);
      for (const scan of scans) assert.match(scan['Index Cond'] ?? '', /\buser_id = /, `${scan['Index Name']} is searched by user\n${shape(plan)}`);
    }
  });

  it('when filtering by tag, then no sequential scan reads other users\' rows', async () => {
    for (const plan of await plansOf({ sort: 'created', order: 'desc', limit: 50, tags: ['urgent'] })) {
      const types = nodes(plan).map((n) => n['Node Type']);
      assert.ok(!types.includes('Seq Scan'), JSON.stringify(types));
    }
  });

  it('when the summary counts overdue tasks, then the index of pending tasks by due date serves it, not a scan of all their tasks', async () => {
    captured.length = 0;
    await createSyncRepository(db).summary(big);
    assert.equal(captured.length, 1, 'one statement, captured');
    const { plan, router } = await explain(db, captured[0]!.sql, captured[0]!.bindings);
    assert.ok(router, 'one router query on one shard');
    const all = nodes(plan);
    // The user's own row may be read by a scan of a small users table: that is the planner's choice to make.
    assert.ok(!all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'tasks'), shape(plan));
    assert.ok(all.some((n) => n['Index Name'] === 'tasks_user_pending_due'), `the partial index is used\n${shape(plan)}`);
    for (const node of all.filter((n) => /Scan/.test(n['Node Type']))) assert.ok(node['Actual Rows'] * node['Actual Loops'] <= 1, shape(plan));
  });
});
