// A task's row lock held by the test, to keep requests in flight for as long as it chooses.
import type { Knex } from 'knex';

/** Takes the lock in a transaction of its own; `waiters()` counts the sessions it blocks, queued ones too. */
export async function holdRow(db: Knex, sub: string, id: number) {
  const trx = await db.transaction();
  await trx('tasks').where({ user_id: sub, id }).forUpdate();
  const { rows } = await trx.raw('select pg_backend_pid() as pid');
  const pid = rows[0].pid as number;
  // The first waiter holds the row's place in the queue: the others wait for it, not for the holder.
  const waiters = async () =>
    Number(
      (
        await db.raw(
          `with recursive blocked(pid) as (
             select a.pid from pg_stat_activity a where ? = any(pg_blocking_pids(a.pid))
             union select a.pid from pg_stat_activity a join blocked b on b.pid = any(pg_blocking_pids(a.pid)))
           select count(*) as n from blocked`,
          [pid],
        )
      ).rows[0].n,
    );
  return { trx, waiters };
}
