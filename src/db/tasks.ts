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

/** A task and its version (which counts its writes, and is its ETag). */
export interface Versioned {
  task: Task;
  version: number;
}

/** If-Match: the versions a write may apply to, '*' for any existing one, undefined for no condition. */
export type Precondition = readonly number[] | '*' | undefined;
export type WriteOutcome<T> = T | 'not-found' | 'precondition-failed';

/** An Idempotency-Key and what the first request with it must match. */
export interface IdempotencyClaim {
  key: string;
  /** Hash of the request body: a retry must send the same. */
  requestHash: string;
  /** Where the created task lives, for Location. */
  location: (id: number) => string;
}

export interface Created extends Versioned {
  location: string;
  /** True when this is the stored response of an earlier request with the same key. */
  replayed: boolean;
}

export interface Owner {
  id: string;
  email: string | null;
  name: string | null;
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

const COLUMNS: string[] = [
  'id', 'user_id', 'title', 'description', 'completed', 'priority', 'tags',
  'due_date', 'completed_at', 'created_at', 'updated_at', 'version',
];
const IDEMPOTENCY_WINDOW = "interval '24 hours'";

// Each sort expression matches an index (user_id, expression, id), so a page is read in order from the index;
// `cursor` is the same expression over a cursor's value, and `value` is what a cursor records of a task.
const SORTS: Record<SortKey, { expression: string; cursor: string; value: (task: Task) => string | null }> = {
  created: { expression: 'created_at', cursor: '?::timestamptz', value: (t) => t.created_at },
  updated: { expression: 'updated_at', cursor: '?::timestamptz', value: (t) => t.updated_at },
  title: { expression: 'lower(title) collate "C"', cursor: 'lower(?::text) collate "C"', value: (t) => t.title },
  due_date: { expression: 'due_date', cursor: '?::timestamptz', value: (t) => t.due_date },
  priority: { expression: 'priority', cursor: '?::task_priority', value: (t) => t.priority },
};

/** LIKE matches literally once its wildcards and escape character are escaped. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function applyFilters(query: Knex.QueryBuilder, filters: ListFilters): void {
  if (filters.completed !== undefined) query.where('completed', filters.completed);
  if (filters.priority !== undefined) query.where('priority', filters.priority);
  if (filters.tags?.length) query.whereRaw('tags @> ?::text[]', [filters.tags]);
  if (filters.search !== undefined) {
    const pattern = likePattern(filters.search);
    query.where((q) => {
      q.whereRaw(`title ilike ? escape '\\'`, [pattern]).orWhereRaw(`description ilike ? escape '\\'`, [pattern]);
    });
  }
  if (filters.dueBefore) query.where('due_date', '<', filters.dueBefore);
  if (filters.dueAfter) query.where('due_date', '>=', filters.dueAfter);
}

interface TaskRow extends TaskFields {
  id: number;
  version: number;
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

function toVersioned(row: TaskRow): Versioned {
  return { task: toTask(row), version: row.version };
}

/**
 * A statement run as a named prepared statement: PostgreSQL parses and plans it once per connection. The hot
 * operations (get, create, update, toggle, delete) use these; listing, with its many optional filters, is
 * built with knex's query builder.
 */
interface Statement {
  name: string;
  text: string;
}

/**
 * Runs a statement through knex (its pool, timeouts, events and transactions). knex has no notion of a
 * prepared statement; its documented `.options()` mixes pg's own query options into the query, and pg
 * prepares a query that has a `name`. The text keeps PostgreSQL's $n parameters, so `values` go there too.
 */
async function execute<Row>(db: Knex | Knex.Transaction, { name, text }: Statement, values: unknown[]): Promise<Row[]> {
  const result = await db.raw<{ rows: Row[] }>(text).options({ name, values });
  return result.rows;
}

const RETURNING = `returning ${COLUMNS.join(', ')}`;

/** Records the owner (first task, or changed profile claims) and inserts the task, in one statement. */
const INSERT: Statement = {
  name: 'tasks.insert',
  text: `with owner as (
           insert into users (id, email, name) values ($1, $2, $3)
           on conflict (id) do update
             set email = coalesce(excluded.email, users.email),
                 name = coalesce(excluded.name, users.name),
                 updated_at = now()
             where (users.email, users.name) is distinct from
                   (coalesce(excluded.email, users.email), coalesce(excluded.name, users.name))
         )
         insert into tasks (user_id, title, description, completed, completed_at, priority, tags, due_date)
         values ($1, $4, $5, $6, case when $6 then now() end, $7::task_priority, $8::text[], $9)
         ${RETURNING}`,
};

async function insertTask(db: Knex | Knex.Transaction, owner: Owner, fields: TaskFields): Promise<Versioned> {
  const [row] = await execute<TaskRow>(db, INSERT, [
    owner.id, owner.email, owner.name,
    fields.title, fields.description, fields.completed, fields.priority, fields.tags, fields.due_date,
  ]);
  return toVersioned(row!);
}

const GET: Statement = { name: 'tasks.get', text: `select ${COLUMNS.join(', ')} from tasks where user_id = $1 and id = $2` };
const EXISTS: Statement = { name: 'tasks.exists', text: 'select 1 from tasks where user_id = $1 and id = $2' };
const WRITTEN = 'updated_at = now(), version = version + 1';
const UPDATABLE = ['title', 'description', 'completed', 'priority', 'tags', 'due_date'] as const;

/** The statement named `name`, its text built on first use: a write's text depends on its shape. */
const statements = new Map<string, Statement>();
function statement(name: string, text: () => string): Statement {
  let found = statements.get(name);
  if (!found) statements.set(name, (found = { name, text: text() }));
  return found;
}

/** One of the user's tasks ($1, $2), and when `versions` is a parameter number, only at those versions. */
function ownTask(versions: number | undefined): string {
  return `where user_id = $1 and id = $2${versions === undefined ? '' : ` and version = any($${versions}::int[])`}`;
}

export type TaskRepository = ReturnType<typeof createTaskRepository>;

export function createTaskRepository(db: Knex) {
  /**
   * Runs a write on the user's task ($1 and $2, then `values`), restricted to the If-Match versions, as one
   * statement. When nothing was written, a second look tells a missing task (404) from a changed one (412).
   * `write` gives the statement for the parameter number of the If-Match versions, or undefined for none.
   */
  async function conditionally(
    userId: string,
    id: number,
    ifMatch: Precondition,
    write: (versions: number | undefined) => Statement,
    values: unknown[] = [],
  ): Promise<WriteOutcome<Versioned>> {
    // Ids are issued below 2^53 (see the migration); a larger one cannot exist, and must not reach SQL inexact.
    if (!Number.isSafeInteger(id)) return 'not-found';
    const conditional = Array.isArray(ifMatch);
    const versions = conditional ? values.length + 3 : undefined;
    const [row] = await execute<TaskRow>(db, write(versions), [userId, id, ...values, ...(conditional ? [ifMatch] : [])]);
    if (row) return toVersioned(row);
    if (!conditional) return 'not-found';
    return (await execute(db, EXISTS, [userId, id])).length > 0 ? 'precondition-failed' : 'not-found';
  }

  return {
    /** One page in keyset order, and where the next one starts when more tasks follow. No OFFSET. */
    async list(userId: string, options: ListOptions): Promise<{ tasks: Task[]; next?: Position }> {
      const { sort, order, limit, after } = options;
      const { expression, cursor, value } = SORTS[sort];
      const comparison = order === 'asc' ? '>' : '<';
      const matching = () => {
        const query = db('tasks').select<TaskRow[]>(COLUMNS).where({ user_id: userId });
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
    },

    async get(userId: string, id: number): Promise<Versioned | null> {
      if (!Number.isSafeInteger(id)) return null;
      const [row] = await execute<TaskRow>(db, GET, [userId, id]);
      return row ? toVersioned(row) : null;
    },

    async create(owner: Owner, fields: TaskFields): Promise<Versioned> {
      return insertTask(db, owner, fields);
    },

    /**
     * Creates the task once per (user, key). The claim on the key and the task commit together; a concurrent
     * retry waits on the claim, then reads the stored first response. The same key with another body is
     * 'key-reused'. Keys older than 24 hours are forgotten.
     */
    async createOnce(owner: Owner, fields: TaskFields, claim: IdempotencyClaim): Promise<Created | 'key-reused'> {
      return db.transaction(async (trx) => {
        await trx('idempotency_keys').where({ user_id: owner.id }).andWhereRaw(`created_at < now() - ${IDEMPOTENCY_WINDOW}`).delete();
        const claimed = await trx.raw<{ rows: unknown[] }>(
          'insert into idempotency_keys (user_id, key, request_hash) values (?, ?, ?) on conflict do nothing returning key',
          [owner.id, claim.key, claim.requestHash],
        );
        if (claimed.rows.length === 0) {
          const stored = await trx('idempotency_keys')
            .where({ user_id: owner.id, key: claim.key })
            .first<{ request_hash: string; response: Task; location: string }>('request_hash', 'response', 'location');
          if (stored.request_hash !== claim.requestHash) return 'key-reused';
          // A new task's version is always 1: the stored response was sent with that ETag.
          return { task: stored.response, version: 1, location: stored.location, replayed: true };
        }
        const created = await insertTask(trx, owner, fields);
        const location = claim.location(created.task.id);
        await trx('idempotency_keys')
          .where({ user_id: owner.id, key: claim.key })
          .update({ status: 201, response: JSON.stringify(created.task), location });
        return { ...created, location, replayed: false };
      });
    },

    /** Replaces the given fields in one statement; `completed` keeps `completed_at` in step. */
    async update(userId: string, id: number, fields: Partial<TaskFields>, ifMatch: Precondition): Promise<WriteOutcome<Versioned>> {
      const columns = UPDATABLE.filter((column) => fields[column] !== undefined);
      // The SET list is built once per shape, with the statement: only its values vary between requests.
      const text = (versions: number | undefined) => {
        const sets = columns.map((column, i) => `${column} = $${i + 3}`);
        if (columns.includes('completed')) {
          sets.push(`completed_at = case when $${columns.indexOf('completed') + 3}::boolean then coalesce(completed_at, now()) end`);
        }
        return `update tasks set ${[...sets, WRITTEN].join(', ')} ${ownTask(versions)} ${RETURNING}`;
      };
      return conditionally(userId, id, ifMatch, (versions) =>
        statement(`tasks.update(${columns.join(',')})${versions ? '.if-match' : ''}`, () => text(versions)),
      columns.map((column) => fields[column]));
    },

    /** Sets `completed`, or flips it when `completed` is undefined; atomic, so concurrent flips all count. */
    async setCompleted(userId: string, id: number, completed: boolean | undefined, ifMatch: Precondition): Promise<WriteOutcome<Versioned>> {
      if (completed === undefined) {
        return conditionally(userId, id, ifMatch, (versions) =>
          statement(`tasks.toggle${versions ? '.if-match' : ''}`, () =>
            `update tasks set completed = not completed, completed_at = case when completed then null else now() end, ${WRITTEN}
             ${ownTask(versions)} ${RETURNING}`));
      }
      return conditionally(userId, id, ifMatch, (versions) =>
        statement(`tasks.complete${versions ? '.if-match' : ''}`, () =>
          `update tasks set completed = $3, completed_at = case when $3 then coalesce(completed_at, now()) end, ${WRITTEN}
           ${ownTask(versions)} ${RETURNING}`),
      [completed]);
    },

    async remove(userId: string, id: number, ifMatch: Precondition): Promise<WriteOutcome<true>> {
      const outcome = await conditionally(userId, id, ifMatch, (versions) =>
        statement(`tasks.delete${versions ? '.if-match' : ''}`, () => `delete from tasks ${ownTask(versions)} ${RETURNING}`));
      return typeof outcome === 'string' ? outcome : true;
    },
  };
}
