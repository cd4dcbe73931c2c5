// On Citus (a distributed PostgreSQL), the tables are distributed by user and co-located: a user's row, their
// tasks and their idempotency keys live on one shard, so every statement of a request, each of which names
// the user, runs on that one shard. Without the citus extension this does nothing. A database that moves
// to Citus after this migration ran is distributed by `npm run db:distribute`, which calls `distribute`.
import type { Knex } from 'knex';

/** Distributed by this column, in this order (the first is the one the others are co-located with). */
const TABLES = [
  ['users', 'id'],
  ['tasks', 'user_id'],
  ['idempotency_keys', 'user_id'],
] as const;

async function onCitus(knex: Knex): Promise<boolean> {
  const { rows } = await knex.raw<{ rows: unknown[] }>("select 1 from pg_extension where extname = 'citus'");
  return rows.length > 0;
}

async function distributedTables(knex: Knex): Promise<Set<string>> {
  const { rows } = await knex.raw<{ rows: Array<{ table: string }> }>('select logicalrelid::regclass::text as table from pg_dist_partition');
  return new Set(rows.map((row) => row.table));
}

/** Distributes what is not yet distributed; returns the tables it distributed. A no-op without Citus. */
export async function distribute(knex: Knex): Promise<string[]> {
  if (!(await onCitus(knex))) return [];
  const done = await distributedTables(knex);
  // The functions the shards call (behind tasks' CHECK constraint, and in the writes) must exist on every
  // worker before the table's shards do.
  for (const fn of ['task_tags_valid(text[])', 'task_completed_at(boolean, timestamptz, timestamptz)']) {
    await knex.raw('select create_distributed_function(?)', [fn]);
  }
  const distributed: string[] = [];
  for (const [table, column] of TABLES) {
    if (done.has(table)) continue;
    await knex.raw(`select create_distributed_table(?, ?, colocate_with => ?)`, [table, column, table === 'users' ? 'default' : 'users']);
    distributed.push(table);
  }
  return distributed;
}

export async function up(knex: Knex): Promise<void> {
  await distribute(knex);
}

// Back to plain tables on the coordinator (their rows included); still a no-op without Citus.
export async function down(knex: Knex): Promise<void> {
  if (!(await onCitus(knex))) return;
  // Undistributing a table also undistributes the tables its foreign keys connect it to: look again each time.
  for (const [table] of [...TABLES].reverse()) {
    if ((await distributedTables(knex)).has(table)) await knex.raw('select undistribute_table(?, cascade_via_foreign_keys => true)', [table]);
  }
}
