// The change log the triggers on tasks write with every committed change (see migration
// 20261206000000_task_events): the number of a user's last change, and the changes after a number. Every
// statement names the user, like all task SQL.
import type { Knex } from 'knex';
import type { Task, TaskChange } from '../tasks/task.js';
import { run, statement } from '../db/statement.js';

const LAST = statement('sync.last', () => 'select last_event_seq from users where id = $1');
const AFTER = statement('sync.after', () =>
  'select seq, kind, task_id, version, task::text as task from task_events where user_id = $1 and seq > $2 order by seq limit $3');

/** The number of the user's last change (0 before any). */
export async function lastChange(db: Knex, userId: string): Promise<number> {
  const [row] = await run<{ last_event_seq: number }>(db, LAST, [userId]);
  return row?.last_event_seq ?? 0;
}

/** The numbers of several users' last changes, for a process watching them (absent: none yet). */
export async function lastChanges(db: Knex, userIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db('users').whereIn('id', userIds).select<Array<{ id: string; last_event_seq: number }>>('id', 'last_event_seq');
  return new Map(rows.map((row) => [row.id, row.last_event_seq]));
}

/** The user's changes after number `after`, in order, at most `limit`. */
export async function changesAfter(db: Knex, userId: string, after: number, limit: number): Promise<TaskChange[]> {
  const rows = await run<{ seq: number; kind: TaskChange['kind']; task_id: number; version: number; task: string | null }>(db, AFTER, [userId, after, limit]);
  return rows.map((row) => ({ seq: row.seq, kind: row.kind, taskId: row.task_id, version: row.version, task: row.task === null ? null : (JSON.parse(row.task) as Task) }));
}
