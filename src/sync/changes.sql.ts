// What keeps clients in step: the change log the triggers on tasks write with every committed change (see
// migration 20261206000000_task_events), the counts they keep on the user's row, and the bulk actions (each
// one statement, whose every changed row they log). Every statement names the user, like all task SQL.
import type { Knex } from 'knex';
import type { ListFilters, Task, TaskChange, TaskSummary } from '../tasks/task.js';
import { run, runCount, statement } from '../db/statement.js';
import { applyFilters } from '../tasks/filters.sql.js';

const LAST = statement('sync.last', () => 'select last_event_seq from users where id = $1');
const AFTER = statement('sync.after', () =>
  'select seq, kind, task_id, version, task::text as task from task_events where user_id = $1 and seq > $2 order by seq limit $3');
const SUMMARY = statement('sync.summary', () =>
  `select task_count, completed_count,
          (select count(*) from tasks where user_id = $1 and not completed and due_date < now())::int as overdue
   from users where id = $1`);
const DELETE_COMPLETED = statement('sync.delete-completed', () => 'delete from tasks where user_id = $1 and completed');

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

export async function summary(db: Knex, userId: string): Promise<TaskSummary> {
  const [row] = await run<{ task_count: number; completed_count: number; overdue: number }>(db, SUMMARY, [userId]);
  if (!row) return { total: 0, pending: 0, completed: 0, overdue: 0 };
  return { total: row.task_count, pending: row.task_count - row.completed_count, completed: row.completed_count, overdue: row.overdue };
}

/** Sets `completed` on the user's matching tasks that are not so already; returns how many changed. */
export async function setCompletedWhere(db: Knex, userId: string, filters: ListFilters, completed: boolean): Promise<number> {
  const query = db('tasks').where({ user_id: userId }).whereNot('completed', completed);
  applyFilters(query, filters);
  return query.update({
    completed,
    completed_at: db.raw('task_completed_at(?, completed_at, now())', [completed]),
    updated_at: db.raw('now()'),
    version: db.raw('version + 1'),
  });
}

export function deleteCompleted(db: Knex, userId: string): Promise<number> {
  return runCount(db, DELETE_COMPLETED, [userId]);
}
