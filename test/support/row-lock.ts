// A task's row lock held by the test, to keep requests in flight for as long as it chooses.
import type { Knex } from 'knex';

/** Takes the lock in a transaction of its own; `waiters()` counts the sessions it blocks, queued ones too. */
export async function holdRow(db: Knex, sub: string, id: number) {
  const trx = await db.transaction();
  await trx('tasks').where({ user_id: sub, id }).forUpdate();
  return { trx, waiters: await blockedBehind(db, trx) };
}

/**
 * How many sessions wait behind the one `trx` runs in, directly or queued behind another waiter (the first
 * waiter holds the row's place in the queue: the others wait for it, not for the holder). On Citus the
 * waits happen on the workers, where pg_blocking_pids on the coordinator cannot see them: Citus's own view
 * of distributed lock waits, by global pid, tells them there.
 */
export async function blockedBehind(db: Knex, trx: Knex.Transaction): Promise<() => Promise<number>> {
  const citus = (await db.raw<{ rows: unknown[] }>("select 1 from pg_extension where extname = 'citus'")).rows.length > 0;
  const { rows } = await trx.raw<{ rows: Array<{ id: string }> }>(`select ${citus ? 'citus_backend_gpid()' : 'pg_backend_pid()'}::text as id`);
  const holder = rows[0]!.id;
  const chain = citus
    ? `with recursive blocked(id) as (
         select waiting_gpid from citus_lock_waits where blocking_gpid = ?::bigint
         union select w.waiting_gpid from citus_lock_waits w join blocked b on w.blocking_gpid = b.id)
       select count(*) as n from blocked`
    : `with recursive blocked(pid) as (
         select a.pid from pg_stat_activity a where ?::int = any(pg_blocking_pids(a.pid))
         union select a.pid from pg_stat_activity a join blocked b on b.pid = any(pg_blocking_pids(a.pid)))
       select count(*) as n from blocked`;
  return async () => Number((await db.raw<{ rows: Array<{ n: string }> }>(chain, [holder])).rows[0]!.n);
}
