// A task row and the contract's Task: the columns every statement returns, and the one mapping between them.
import type { Task, TaskFields, Versioned } from './task.js';

export const COLUMNS: readonly string[] = [
  'id', 'user_id', 'title', 'description', 'completed', 'priority', 'tags',
  'due_date', 'completed_at', 'created_at', 'updated_at', 'version',
];
export const RETURNING = `returning ${COLUMNS.join(', ')}`;
/**
 * The contract's Task fields, in its order: a row of these, read with ISO_TIMESTAMPS, is a Task as it
 * is, so a page of them needs no second object per row.
 */
export const TASK_COLUMNS = COLUMNS.filter((column) => column !== 'version').join(', ');

/** As read with ISO_TIMESTAMPS (src/db/statement.ts): every timestamp already the contract's string. */
export interface TaskRow extends Omit<TaskFields, 'due_date'> {
  id: number;
  version: number;
  user_id: string;
  due_date: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    tags: row.tags,
    due_date: row.due_date,
    completed_at: row.completed_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toVersioned(row: TaskRow): Versioned {
  return { task: toTask(row), version: row.version };
}
