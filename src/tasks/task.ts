// What a task is to this service, apart from HTTP and SQL: the contract's Task, the fields a write carries,
// and the words the repository and the handlers share (versions, preconditions, listing options).
import type { components } from '../contract/schema.js';

export type Task = components['schemas']['Task'];
export type Priority = components['schemas']['Priority'];

/** Writable fields, already normalized (trimmed, deduplicated, dates parsed). */
export interface TaskFields {
  title: string;
  description: string | null;
  completed: boolean;
  priority: Priority;
  tags: string[];
  due_date: Date | null;
}

/** A task and its version (which counts its writes, and is its ETag). */
export interface Versioned {
  task: Task;
  version: number;
}

/** If-Match: the versions a write may apply to, '*' for any existing one, undefined for no condition. */
export type Precondition = readonly number[] | '*' | undefined;
export type WriteOutcome<T> = T | 'not-found' | 'precondition-failed';

/** The token's user: the id every statement is scoped to, and the profile claims recorded with it. */
export interface Owner {
  id: string;
  email: string | null;
  name: string | null;
}

/** A create made safe to retry: the same key and body give the first result again. */
export interface IdempotentCreate {
  key: string;
  /** Hash of the request body: a retry must send the same. */
  requestHash: string;
}

export interface Created extends Versioned {
  /** True when this is the result of an earlier request with the same key. */
  replayed: boolean;
}

export type SortKey = 'created' | 'updated' | 'title' | 'due_date' | 'priority';

/** Where a page starts: after the task with this sort value (null: no due date) and id. */
export interface Position {
  value: string | null;
  id: number;
}

export interface ListFilters {
  completed?: boolean;
  priority?: Priority;
  /** All of these tags. */
  tags?: string[];
  /** Case-insensitive, literal substring of the title or the description. */
  search?: string;
  dueBefore?: Date;
  dueAfter?: Date;
}

export interface ListOptions extends ListFilters {
  sort: SortKey;
  order: 'asc' | 'desc';
  limit: number;
  after?: Position;
}

/** One committed change to a user's task, numbered in the order of the user's changes (from 1). */
export interface TaskChange {
  seq: number;
  kind: 'created' | 'updated' | 'deleted';
  taskId: number;
  /** The task's version after the change (before it, for a delete). */
  version: number;
  /** The task as the change left it; null for a delete. */
  task: Task | null;
}

export interface TaskSummary {
  total: number;
  pending: number;
  completed: number;
  overdue: number;
}
