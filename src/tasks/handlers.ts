// The task operations, each named as its implicit-scope operationId and serving both URL scopes: by the
// time one runs, the pipeline's checks (src/pipeline/checks.ts) have verified the caller, given it as
// c.principal, checked that a path's {user_id} is the caller, and matched the request to openapi.yaml. So
// a handler only reads the request, calls this folder's SQL (*.sql.ts, each statement scoped to the user),
// and says what to answer. A list query's options, its cursor's binding and its next Link are made here too.
import type { Knex } from 'knex';
import type { ListFilters, ListOptions, SortKey, Versioned, WriteOutcome } from './task.js';
import { etagOf, namesVersion, versionsIn } from './etag.js';
import type { UserCosts } from '../pipeline/limits.js';
import { Problem, problems } from '../contract/problem.js';
import type { CursorCodec } from './cursor.js';
import { requestFingerprint } from './fingerprint.js';
import { normalizeTaskCreate, normalizeTaskUpdate } from './input.js';
import type { Handler } from '../pipeline/handler.js';
import type { operations } from '../contract/schema.js';
import { createOnce } from './idempotency.sql.js';
import * as pages from './list.sql.js';
import * as writes from './writes.sql.js';

type ListQuery = NonNullable<operations['listTasks']['parameters']['query']>;
export type PageQuery = Omit<ListOptions, 'after'>;

const DESCENDING_BY_DEFAULT = new Set<SortKey>(['created', 'updated', 'priority']);

type FilterQuery = Pick<ListQuery, 'priority' | 'tag' | 'q' | 'due_before' | 'due_after'>;

/** The filters a list and the bulk actions share. */
export function filtersOf(query: FilterQuery): ListFilters {
  return {
    ...(query.priority ? { priority: query.priority } : {}),
    ...(query.tag?.length ? { tags: [...new Set(query.tag)].sort() } : {}),
    ...(query.q === undefined ? {} : { search: query.q.trim() }),
    ...(query.due_before ? { dueBefore: new Date(query.due_before) } : {}),
    ...(query.due_after ? { dueAfter: new Date(query.due_after) } : {}),
  };
}

export function pageQuery(query: ListQuery): PageQuery {
  // status, sort and limit have defaults in openapi.yaml, which the validator has applied.
  const { status, sort, limit } = query as Required<Pick<ListQuery, 'status' | 'sort' | 'limit'>>;
  return {
    sort,
    order: query.order ?? (DESCENDING_BY_DEFAULT.has(sort) ? 'desc' : 'asc'),
    limit,
    ...(status === 'all' ? {} : { completed: status === 'completed' }),
    ...filtersOf(query),
  };
}

/** A cursor belongs to its user and to everything that decides which tasks come in which order; not to limit. */
export function cursorBinding(userId: string, query: PageQuery): unknown {
  const { limit, ...rest } = query;
  return { user: userId, ...rest }; // JSON: dates become ISO strings, key order is fixed above
}

/** RFC 8288 `Link` to the next page: the request's own query with the new cursor. */
export function nextLink(path: string, rawQuery: string, cursor: string): string {
  const next = new URLSearchParams(rawQuery);
  next.set('cursor', cursor);
  return `<${path.replace(/[<>]/g, encodeURIComponent)}?${next.toString()}>; rel="next"`;
}

function invalidCursor(): never {
  const message = "is not a cursor of this query: use the previous page's Link, with the same filters, sort and order";
  throw new Problem(400, `The cursor ${message}.`, { errors: [{ in: 'query', field: '/cursor', message }] });
}

function found<T>(task: T | null, id: number): T {
  if (task === null) throw problems.notFound(`Task ${id}`);
  return task;
}

/** A 200 with the task and its version as ETag. */
function taskReply({ task, version }: Versioned) {
  return { status: 200 as const, body: task, headers: { ETag: etagOf(version) } };
}

function written<T>(outcome: WriteOutcome<T>, id: number): T {
  if (outcome === 'not-found') throw problems.notFound(`Task ${id}`);
  if (outcome === 'precondition-failed') {
    throw new Problem(412, `Task ${id} has changed since the version in If-Match; fetch it again.`);
  }
  return outcome;
}

export function createTaskHandlers({ db, cursors, costs }: { db: Knex; cursors: CursorCodec; costs: UserCosts }) {
  const listTasks: Handler<'listTasks' | 'listUserTasks'> = async (c) => {
    const user = c.principal.id;
    const query = pageQuery(c.query);
    const binding = cursorBinding(user, query);
    const after = c.query.cursor === undefined ? undefined : (cursors.decode(c.query.cursor, binding) ?? invalidCursor());
    const list = () => pages.listTasks(db, user, { ...query, after });
    const page = await (query.search === undefined ? list() : costs.search(user, list));
    const headers: Record<string, string> = page.next ? { Link: nextLink(c.path, c.rawQuery, cursors.encode(page.next, binding)) } : {};
    return { status: 200, body: page.tasks, headers };
  };

  const createTask: Handler<'createTask' | 'createUserTask'> = async (c) => {
    const fields = normalizeTaskCreate(c.body!);
    const key = c.headers['Idempotency-Key'];
    const created =
      key === undefined ? await writes.insertTask(db, c.principal, fields) : await createOnce(db, c.principal, fields, { key, requestHash: requestFingerprint(fields) });
    if (created === 'key-reused') {
      throw new Problem(422, 'This Idempotency-Key was already used with a different body.');
    }
    const headers: Record<string, string> = { ETag: etagOf(created.version), Location: `${c.path}/${created.task.id}` };
    if ('replayed' in created && created.replayed) headers['Idempotent-Replayed'] = 'true';
    return { status: 201, body: created.task, headers };
  };

  const getTask: Handler<'getTask' | 'getUserTask'> = async (c) => {
    const { task, version } = found(await writes.getTask(db, c.principal.id, c.params.id), c.params.id);
    const fresh = versionsIn(c.headers['If-None-Match'], 'weak');
    if (fresh !== undefined && namesVersion(fresh, version)) return { status: 304, body: undefined, headers: { ETag: etagOf(version) } };
    return taskReply({ task, version });
  };

  // PUT (at least one field, as validated) and PATCH (a merge patch, possibly empty) change a task alike.
  const patchTask: Handler<'patchTask' | 'patchUserTask' | 'updateTask' | 'updateUserTask'> = async (c) => {
    const ifMatch = versionsIn(c.headers['If-Match'], 'strong');
    const fields = normalizeTaskUpdate(c.body!);
    if (Object.keys(fields).length > 0) return taskReply(written(await writes.updateTask(db, c.principal.id, c.params.id, fields, ifMatch), c.params.id));
    // An empty merge patch changes nothing: the task as it is, when the precondition holds.
    const current = found(await writes.getTask(db, c.principal.id, c.params.id), c.params.id);
    const holds = ifMatch === undefined || namesVersion(ifMatch, current.version);
    return taskReply(written(holds ? current : 'precondition-failed', c.params.id));
  };

  const deleteTask: Handler<'deleteTask' | 'deleteUserTask'> = async (c) => {
    written(await writes.removeTask(db, c.principal.id, c.params.id, versionsIn(c.headers['If-Match'], 'strong')), c.params.id);
    return { status: 204, body: undefined };
  };

  const toggleTaskCompletion: Handler<'toggleTaskCompletion' | 'toggleUserTaskCompletion'> = async (c) => {
    const ifMatch = versionsIn(c.headers['If-Match'], 'strong');
    return taskReply(written(await writes.setCompleted(db, c.principal.id, c.params.id, c.body?.completed, ifMatch), c.params.id));
  };

  return { listTasks, createTask, getTask, updateTask: patchTask, patchTask, deleteTask, toggleTaskCompletion };
}
