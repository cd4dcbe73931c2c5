// Citus (a distributed PostgreSQL): the tables are distributed by user and co-located, so that a user's row,
// tasks, idempotency keys and events live on one shard, and every statement of a request, each of which
// names the user, runs on that one shard. Migrations call `distribute` after creating what it distributes,
// and `npm run db:distribute` calls it for a database that got the citus extension later. Without the
// extension each function here does nothing.
import type { Knex } from 'knex';
import { withoutChangeLog } from './change-log.js';

/** Distributed by this column, in this order (the first is the one the others are co-located with). */
const TABLES = [
  ['users', 'id'],
  ['tasks', 'user_id'],
  ['idempotency_keys', 'user_id'],
  ['task_events', 'user_id'],
] as const;

/**
 * The functions the shards run (behind tasks' CHECK constraint, in the writes, in the change-log triggers):
 * they must exist on every worker. (A trigger's own function goes with the trigger; what it calls does not.)
 */
const FUNCTIONS = ['task_tags_valid(text[])', 'task_completed_at(boolean, timestamptz, timestamptz)', 'task_events_claim(text, bigint, bigint, bigint)'];

export async function onCitus(knex: Knex): Promise<boolean> {
  const { rows } = await knex.raw<{ rows: unknown[] }>("select 1 from pg_extension where extname = 'citus'");
  return rows.length > 0;
}

async function distributedTables(knex: Knex): Promise<Set<string>> {
  const { rows } = await knex.raw<{ rows: Array<{ table: string }> }>('select logicalrelid::regclass::text as table from pg_dist_partition');
  return new Set(rows.map((row) => row.table));
}

async function exists(knex: Knex, kind: 'regclass' | 'regprocedure', name: string): Promise<boolean> {
  const { rows } = await knex.raw<{ rows: Array<{ found: string | null }> }>(`select to_${kind}(?) as found`, [name]);
  return rows[0]!.found !== null;
}

/**
 * Distributes what exists and is not yet distributed; returns the tables it distributed. tasks carries the
 * triggers that record its events (a migration's), which Citus accepts on a distributed table only when
 * allowed: they write to the co-located users and task_events shards of the same user.
 */
export async function distribute(knex: Knex): Promise<string[]> {
  if (!(await onCitus(knex))) return [];
  return knex.transaction(async (trx) => {
    await trx.raw('set local citus.enable_unsafe_triggers = on');
    for (const fn of FUNCTIONS) {
      if (await exists(trx, 'regprocedure', fn)) await trx.raw('select create_distributed_function(?)', [fn]);
    }
    const done = await distributedTables(trx);
    const distributed: string[] = [];
    await withoutEventTriggers(trx, async () => {
      for (const [table, column] of TABLES) {
        if (done.has(table) || !(await exists(trx, 'regclass', table))) continue;
        await trx.raw('select create_distributed_table(?, ?, colocate_with => ?)', [table, column, table === 'users' ? 'default' : 'users']);
        distributed.push(table);
      }
    });
    return distributed;
  });
}

/**
 * Runs `move` (which copies tasks' rows into shards or back) without the change log: the rows are not
 * created again, so they must not be counted or logged again (and the copy would run the triggers on a
 * worker, before the tables they write to are there). Callers are in a transaction.
 */
async function withoutEventTriggers(knex: Knex, move: () => Promise<void>): Promise<void> {
  return (await exists(knex, 'regclass', 'tasks')) ? withoutChangeLog(knex, move) : move();
}

/** Makes `tables` plain tables on the coordinator again, their rows included. */
export async function undistribute(knex: Knex, tables: readonly string[]): Promise<void> {
  if (!(await onCitus(knex))) return;
  await knex.raw('set local citus.enable_unsafe_triggers = on').catch(() => undefined);
  // Undistributing a table also undistributes the tables its foreign keys connect it to: look again each time.
  await withoutEventTriggers(knex, async () => {
    for (const table of tables) {
      if ((await distributedTables(knex)).has(table)) await knex.raw('select undistribute_table(?, cascade_via_foreign_keys => true)', [table]);
    }
  });
}

/**
 * For a migration that changes distributed tables and creates functions and triggers in one transaction:
 * Citus then needs one connection per node (sequential mode), and allows the trigger (see `distribute`).
 */
export async function prepareMigration(knex: Knex): Promise<void> {
  if (!(await onCitus(knex))) return;
  await knex.raw("set local citus.multi_shard_modify_mode to 'sequential'");
  await knex.raw('set local citus.enable_unsafe_triggers = on');
}
