// The filters of a list, as conditions on a query of one user's tasks: the list's page and the bulk actions
// take the same ones, from this one table. Each condition's text asks for its parameters' placeholders, so
// the same text serves a named statement ($n) and the query builder (?).
import type { Knex } from 'knex';
import type { ListFilters } from './task.js';

/** LIKE matches literally once its wildcards and escape character are escaped. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface Filter {
  present(filters: ListFilters): boolean;
  /** The condition, `param()` giving the placeholder of each of `values`, in order. */
  sql(param: () => string): string;
  values(filters: ListFilters): unknown[];
}

/** In a fixed order: a list statement's shape is which of these are present. */
export const FILTERS: readonly Filter[] = [
  { present: (f) => f.completed !== undefined, sql: (p) => `completed = ${p()}::boolean`, values: (f) => [f.completed] },
  { present: (f) => f.priority !== undefined, sql: (p) => `priority = ${p()}::task_priority`, values: (f) => [f.priority] },
  { present: (f) => !!f.tags?.length, sql: (p) => `tags @> ${p()}::text[]`, values: (f) => [f.tags] },
  {
    present: (f) => f.search !== undefined,
    sql: (p) => `(title ilike ${p()} escape '\\' or description ilike ${p()} escape '\\')`,
    values: (f) => [likePattern(f.search!), likePattern(f.search!)],
  },
  { present: (f) => f.dueBefore !== undefined, sql: (p) => `due_date < ${p()}::timestamptz`, values: (f) => [f.dueBefore] },
  { present: (f) => f.dueAfter !== undefined, sql: (p) => `due_date >= ${p()}::timestamptz`, values: (f) => [f.dueAfter] },
];

export function applyFilters(query: Knex.QueryBuilder, filters: ListFilters): void {
  for (const filter of FILTERS) {
    if (filter.present(filters)) query.whereRaw(filter.sql(() => '?'), filter.values(filters) as Knex.RawBinding[]);
  }
}
