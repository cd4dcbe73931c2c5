// The task repository: all task SQL lives here. Every method takes the owner's id first and every statement
// filters by it, so "not yours" and "not there" are the same null.
import type { Knex } from 'knex';
import type { components } from '../api/schema.js';

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

export interface Owner {
  id: string;
  email: string | null;
  name: string | null;
}

export type SortKey = 'created' | 'updated' | 'title' | 'due_date' | 'priority';
export interface ListOptions {
  completed?: boolean;
  sort: SortKey;
  order: 'asc' | 'desc';
}

const COLUMNS: string[] = [
  'id', 'user_id', 'title', 'description', 'completed', 'priority', 'tags',
  'due_date', 'completed_at', 'created_at', 'updated_at',
];

// Each expression matches an index in the first migration, so the order comes from the index.
const SORT_EXPRESSIONS: Record<SortKey, string> = {
  created: 'created_at',
  updated: 'updated_at',
  title: 'lower(title) collate "C"',
  due_date: 'due_date',
  priority: 'priority',
};

interface TaskRow extends TaskFields {
  id: number;
  user_id: string;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    tags: row.tags,
    due_date: row.due_date?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type TaskRepository = ReturnType<typeof createTaskRepository>;

export function createTaskRepository(db: Knex) {
  // Ids are issued below 2^53 (see the migration); a larger one cannot exist, and must not reach SQL inexact.
  const owned = (userId: string, id: number) => db<TaskRow>('tasks').where({ user_id: userId, id });
  const completedAt = (completed: boolean) =>
    completed ? db.raw('coalesce(completed_at, now())') : null;

  return {
    async list(userId: string, options: ListOptions): Promise<Task[]> {
      const direction = options.order;
      const query = db('tasks').select<TaskRow[]>(COLUMNS).where({ user_id: userId });
      if (options.completed !== undefined) query.andWhere({ completed: options.completed });
      const nulls = options.sort === 'due_date' ? ' nulls last' : '';
      query.orderByRaw(`${SORT_EXPRESSIONS[options.sort]} ${direction}${nulls}, id ${direction}`);
      return (await query).map(toTask);
    },

    async get(userId: string, id: number): Promise<Task | null> {
      if (!Number.isSafeInteger(id)) return null;
      const row = await owned(userId, id).first<TaskRow | undefined>(COLUMNS);
      return row ? toTask(row) : null;
    },

    /** Records the owner (first task, or changed profile claims) and inserts the task in one statement. */
    async create(owner: Owner, fields: TaskFields): Promise<Task> {
      const { rows } = await db.raw<{ rows: TaskRow[] }>(
        `with owner as (
           insert into users (id, email, name) values (?, ?, ?)
           on conflict (id) do update
             set email = coalesce(excluded.email, users.email),
                 name = coalesce(excluded.name, users.name),
                 updated_at = now()
             where (users.email, users.name) is distinct from
                   (coalesce(excluded.email, users.email), coalesce(excluded.name, users.name))
         )
         insert into tasks (user_id, title, description, completed, completed_at, priority, tags, due_date)
         values (?, ?, ?, ?, case when ? then now() end, ?::task_priority, ?::text[], ?)
         returning ${COLUMNS.join(', ')}`,
        [
          owner.id, owner.email, owner.name,
          owner.id, fields.title, fields.description, fields.completed, fields.completed,
          fields.priority, fields.tags, fields.due_date,
        ],
      );
      return toTask(rows[0]!);
    },

    /** Replaces the given fields in one statement; `completed` keeps `completed_at` in step. */
    async update(userId: string, id: number, fields: Partial<TaskFields>): Promise<Task | null> {
      if (!Number.isSafeInteger(id)) return null;
      const changes: Record<string, unknown> = { ...fields, updated_at: db.fn.now() };
      if (fields.completed !== undefined) changes.completed_at = completedAt(fields.completed);
      const [row] = await owned(userId, id).update(changes).returning(COLUMNS);
      return row ? toTask(row as TaskRow) : null;
    },

    /** Sets `completed`, or flips it when `completed` is undefined; atomic, so concurrent flips all count. */
    async setCompleted(userId: string, id: number, completed?: boolean): Promise<Task | null> {
      if (!Number.isSafeInteger(id)) return null;
      const [row] = await owned(userId, id)
        .update({
          completed: completed ?? db.raw('not completed'),
          completed_at: completed === undefined ? db.raw('case when completed then null else now() end') : completedAt(completed),
          updated_at: db.fn.now(),
        })
        .returning(COLUMNS);
      return row ? toTask(row as TaskRow) : null;
    },

    async remove(userId: string, id: number): Promise<boolean> {
      if (!Number.isSafeInteger(id)) return false;
      return (await owned(userId, id).delete()) > 0;
    },
  };
}
