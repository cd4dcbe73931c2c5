// Listing: one page of a user's tasks in keyset order, with filters and search, never with OFFSET. Each sort
// key has an index (user_id, key, id), and a page is a range of it starting after the cursor's (key, id).
import type { Knex } from 'knex';
import type { ListOptions, Position, SortKey, Task } from '../../domain/tasks.js';
import { ISO_TIMESTAMPS } from '../timestamps.js';
import { applyFilters } from './filters.js';
import { COLUMNS, toTask, type TaskRow } from './rows.js';

// Each sort expression matches an index (user_id, expression, id), so a page is read in order from the index;
// `cursor` is the same expression over a cursor's value, and `value` is what a cursor records of a task.
const SORTS: Record<SortKey, { expression: string; cursor: string; value: (task: Task) => string | null }> = {
  created: { expression: 'created_at', cursor: '?::timestamptz', value: (t) => t.created_at },
  updated: { expression: 'updated_at', cursor: '?::timestamptz', value: (t) => t.updated_at },
  title: { expression: 'lower(title) collate "C"', cursor: 'lower(?::text) collate "C"', value: (t) => t.title },
  due_date: { expression: 'due_date', cursor: '?::timestamptz', value: (t) => t.due_date },
  priority: { expression: 'priority', cursor: '?::task_priority', value: (t) => t.priority },
};

/** One page in keyset order, and where the next one starts when more tasks follow. */
export async function listTasks(db: Knex, userId: string, options: ListOptions): Promise<{ tasks: Task[]; next?: Position }> {
const { sort, order, limit, after } = options;
  const { expression, cursor, value } = SORTS[sort];
  const comparison = order === 'asc' ? '>' : '<';
  const matching = () => {
    const query = db('tasks').select<TaskRow[]>(COLUMNS).where({ user_id: userId }).options({ types: ISO_TIMESTAMPS });
    applyFilters(query, options);
    return query;
  };

  let rows: TaskRow[] = [];
  if (sort !== 'due_date') {
    const query = matching();
    if (after) query.whereRaw(`(${expression}, id) ${comparison} (${cursor}, ?)`, [after.value, after.id]);
    rows = await query.orderByRaw(`${expression} ${order}, id ${order}`).limit(limit + 1);
  } else {
    // Undated tasks come last in either order: the dated ones first, then the undated ones by id, each a
    // range of the same index, so neither needs an OR that would defeat it.
    if (after?.value !== null) {
      const dated = matching().whereNotNull('due_date');
      if (after) dated.whereRaw(`(due_date, id) ${comparison} (?::timestamptz, ?)`, [after.value, after.id]);
      rows = await dated.orderByRaw(`due_date ${order}, id ${order}`).limit(limit + 1);
    }
    if (rows.length <= limit) {
      const undated = matching().whereNull('due_date');
      if (after?.value === null) undated.where('id', comparison, after.id);
      rows.push(...(await undated.orderBy('id', order).limit(limit + 1 - rows.length)));
    }
  }
  const tasks = rows.slice(0, limit).map(toTask);
  const last = tasks.at(-1);
  return rows.length > limit && last ? { tasks, next: { value: value(last), id: last.id } } : { tasks };
}
