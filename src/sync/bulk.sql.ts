// Counts and bulk actions: the counts the triggers on tasks keep on the user's row, and the actions that
// change many of a user's tasks in one statement (the triggers log each changed row). Every statement
// names the user, like all task SQL.
import type { Knex } from 'knex';
import type { ListFilters, TaskSummary } from '../tasks/task.js';
import { run, runCount, statement } from '../db/statement.js';
import { applyFilters } from '../tasks/list.sql.js';

const SUMMARY = statement('sync.summary', () =>
  `select task_count, completed_count,
          (select count(*) from tasks where user_id = $1 and not completed and due_date < now())::int as overdue
   from users where id = $1`);
const DELETE_COMPLETED = statement('sync.delete-completed', () => 'delete from tasks where user_id = $1 and completed');

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
