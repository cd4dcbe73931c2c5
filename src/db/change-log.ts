// The change log's triggers on tasks (migration 20261206000000_task_events) record what users write, and
// keep their counts. Rows that are not written by users, but moved (into Citus shards and back) or seeded
// (the benchmarks' filler), go in and out with the triggers off.
import type { Knex } from 'knex';

/**
 * Runs `work` with tasks' triggers off, in the caller's transaction: the DDL is transactional, so other
 * sessions never see them off and a failure leaves them on. It needs to own the table, not to be superuser
 * (as session_replication_role would), and it holds writes to tasks until commit.
 */
export async function withoutChangeLog<T>(trx: Knex | Knex.Transaction, work: () => Promise<T>): Promise<T> {
  await trx.raw('alter table tasks disable trigger user');
  const result = await work();
  await trx.raw('alter table tasks enable trigger user');
  return result;
}
