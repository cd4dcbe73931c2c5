// Listing, the request every page load makes: a validated list query → the page's options, its cursor, and
// the next page's Link. The handler serves both URL scopes (listTasks and listUserTasks); by the time it runs,
// the pipeline's checks have verified the caller and matched the request to openapi.yaml.
//
// Cursors are `<payload>.<mac>`, both base64url. The MAC (HMAC-SHA256, truncated to 128 bits) covers the
// payload *and* what the cursor is bound to, so a cursor used for another user or query, or altered, fails
// it. The keys are derived from the server's secret, so cursors need no storage and survive restarts. A page
// cursor's payload is the last task's sort value and id; it is bound to the user, the filters, the sort and
// the order. (Delta sync's change cursors are sealed the same way: src/sync/delta.ts.)
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { Problem } from '../contract/problem.js';
import type { operations } from '../contract/schema.js';
import type { Handler } from '../pipeline/handler.js';
import type { UserCosts } from '../pipeline/limits.js';
import { readPage } from './list.sql.js';
import type { ListFilters, ListOptions, Position, SortKey } from './task.js';

export interface CursorCodec {
  encode(position: Position, binding: unknown): string;
  /** The position, or undefined when the cursor is malformed, altered, or bound to something else. */
  decode(cursor: string, binding: unknown): Position | undefined;
}

export function createListTasks({ db, cursors, costs }: { db: Knex; cursors: CursorCodec; costs: UserCosts }) {
  const listTasks: Handler<'listTasks' | 'listUserTasks'> = async (c) => {
    const user = c.principal.id;
    const query = pageQuery(c.query);
    const binding = cursorBinding(user, query);
    const after = c.query.cursor === undefined ? undefined : (cursors.decode(c.query.cursor, binding) ?? invalidCursor());
    const list = () => readPage(db, user, { ...query, after });
    const page = await (query.search === undefined ? list() : costs.search(user, list));
    const headers: Record<string, string> = page.next ? { Link: nextLink(c.path, c.rawQuery, cursors.encode(page.next, binding)) } : {};
    return { status: 200, body: page.tasks, headers };
  };
  return listTasks;
}

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

const MAC_BYTES = 16;

/** Seals a JSON payload under a key of its own purpose; opens only what it sealed, for the same binding. */
export function sealer(secret: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', secret, 'tasks-api', purpose, 32));
  const mac = (payload: string, binding: unknown) =>
    createHmac('sha256', key).update(JSON.stringify(binding)).update('\n').update(payload).digest().subarray(0, MAC_BYTES);
  return {
    seal(value: unknown, binding: unknown): string {
      const encoded = Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${encoded}.${mac(encoded, binding).toString('base64url')}`;
    },
    open(cursor: string, binding: unknown): unknown {
      const [encoded = '', signature = '', ...rest] = cursor.split('.');
      const given = Buffer.from(signature, 'base64url');
      // Only the MAC as seal() writes it: the last character of base64url has unused bits, so other strings
      // decode to the same bytes, and an altered cursor must never pass. (The payload is MACed as text.)
      if (rest.length > 0 || given.length !== MAC_BYTES || given.toString('base64url') !== signature) return undefined;
      if (!timingSafeEqual(given, mac(encoded, binding))) return undefined;
      try {
        return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}

export function createCursorCodec(secret: string): CursorCodec {
  const pages = sealer(secret, 'page cursor v1');
  return {
    encode: (position, binding) => pages.seal([position.value, position.id], binding),
    decode(cursor, binding) {
      const parsed = pages.open(cursor, binding);
      if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
      const [value, id] = parsed as [unknown, unknown];
      if ((typeof value !== 'string' && value !== null) || !Number.isSafeInteger(id) || (id as number) < 1) return undefined;
      return { value, id: id as number };
    },
  };
}
