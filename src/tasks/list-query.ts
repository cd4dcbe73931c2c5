// A validated list query → the repository's options, the cursor's binding, and the next page's Link.
import type { ListFilters, ListOptions, SortKey } from './task.js';
import type { operations } from '../contract/schema.js';

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
