// Listing: one page of a user's tasks in keyset order, with filters and search, never with OFFSET. Each sort
// key has an index (user_id, key, id), and a page is a range of it starting after the cursor's (key, id).
// Each shape of a page (sort, order, which filters, whether after a cursor) is one statement, its text built
// on first use and named, so only the values are new per request and PostgreSQL plans it once per connection.
import type { Knex } from 'knex';
import type { ListFilters, ListOptions, Position, SortKey, Task } from './task.js';
import { run, statement, type Statement } from '../db/statement.js';
import { TASK_COLUMNS } from './rows.sql.js';

// The filters of a list, as conditions on a query of one user's tasks: the list's page and the bulk actions
// (src/sync/bulk.sql.ts) take the same ones, from this one table. Each condition's text asks for its
// parameters' placeholders, so the same text serves a named statement ($n) and the query builder (?).

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

// Each sort expression matches an index (user_id, expression, id), so a page is read in order from the index;
// `cursor` is the same expression over a cursor's value, and `value` is what a cursor records of a task.
const SORTS: Record<SortKey, { expression: string; cursor: (p: string) => string; value: (task: Task) => string | null }> = {
  created: { expression: 'created_at', cursor: (p) => `${p}::timestamptz`, value: (t) => t.created_at },
  updated: { expression: 'updated_at', cursor: (p) => `${p}::timestamptz`, value: (t) => t.updated_at },
  title: { expression: 'lower(title) collate "C"', cursor: (p) => `lower(${p}::text) collate "C"`, value: (t) => t.title },
  due_date: { expression: 'due_date', cursor: (p) => `${p}::timestamptz`, value: (t) => t.due_date },
  priority: { expression: 'priority', cursor: (p) => `${p}::task_priority`, value: (t) => t.priority },
};

/** Which rows of a due-date sort a statement reads: undated tasks come after the dated ones in either order. */
type Part = 'all' | 'dated' | 'undated';

/**
 * The statement of one shape and its values: the user ($1), each present filter's, the cursor's, the limit.
 * The values follow the shape in the same order as the text's placeholders, so the text is built only once.
 */
function page(userId: string, options: ListOptions, part: Part, limit: number): { statement: Statement; values: unknown[] } {
  const { sort, order, after } = options;
  const values: unknown[] = [userId];
  let mask = 0;
  FILTERS.forEach((filter, i) => {
    if (!filter.present(options)) return;
    mask |= 1 << i;
    values.push(...filter.values(options));
  });
  // Undated tasks start after the cursor only when it is at one of them; otherwise the cursor was among the
  // dated ones, which the dated part reads after it (and which it never reads when the cursor is undated).
  const cursor = after !== undefined && (part !== 'undated' || after.value === null);
  if (cursor) values.push(...(part === 'undated' ? [after.id] : [after.value, after.id]));
  values.push(limit);
  const name = `tasks.list.${sort}.${order}.${part}.${mask.toString(16)}${cursor ? '.after' : ''}`;
  // A search is planned for its pattern each time: how many tasks match decides the way to read them.
  const search = options.search !== undefined;
  return { statement: statement(name, () => pageText(options, part, cursor), { planEachTime: search }), values };
}

function pageText(options: ListOptions, part: Part, cursor: boolean): string {
  const { expression, cursor: cursorOf } = SORTS[options.sort];
  const comparison = options.order === 'asc' ? '>' : '<';
  let n = 1;
  const param = () => `$${++n}`;
  const where = ['user_id = $1', ...FILTERS.filter((f) => f.present(options)).map((f) => f.sql(param))];
  if (part === 'dated') where.push('due_date is not null');
  if (part === 'undated') where.push('due_date is null');
  if (cursor) where.push(part === 'undated' ? `id ${comparison} ${param()}::bigint` : `(${expression}, id) ${comparison} (${cursorOf(param())}, ${param()}::bigint)`);
  const by = part === 'undated' ? `id ${options.order}` : `${expression} ${options.order}, id ${options.order}`;
  return `select ${TASK_COLUMNS} from tasks where ${where.join(' and ')} order by ${by} limit ${param()}::int`;
}

async function read(db: Knex, userId: string, options: ListOptions, part: Part, limit: number): Promise<Task[]> {
  const { statement: s, values } = page(userId, options, part, limit);
  return run<Task>(db, s, values);
}

/** One page in keyset order, and where the next one starts when more tasks follow. */
export async function readPage(db: Knex, userId: string, options: ListOptions): Promise<{ tasks: Task[]; next?: Position }> {
  const { sort, limit, after } = options;
  let rows: Task[] = [];
  if (sort !== 'due_date') rows = await read(db, userId, options, 'all', limit + 1);
  else {
    // The dated ones first, then the undated ones by id, each a range of the same index, so neither needs an
    // OR that would defeat it. A cursor at an undated task has passed every dated one.
    if (after?.value !== null) rows = await read(db, userId, options, 'dated', limit + 1);
    if (rows.length <= limit) rows.push(...(await read(db, userId, options, 'undated', limit + 1 - rows.length)));
  }
  // The one row past the page says that more follow; the page itself is the rows as read.
  const more = rows.length > limit;
  if (more) rows.length = limit;
  const last = rows.at(-1);
  return more && last ? { tasks: rows, next: { value: SORTS[sort].value(last), id: last.id } } : { tasks: rows };
}

/** Every statement a page can run, each shape once: for the test of their names. */
export function* everyListStatement(): Generator<Statement> {
  const after: Position = { value: '2026-01-01T00:00:00.000Z', id: 1 };
  const undated: Position = { value: null, id: 1 };
  for (const sort of Object.keys(SORTS) as SortKey[]) {
    for (const order of ['asc', 'desc'] as const) {
      for (let mask = 0; mask < 1 << FILTERS.length; mask++) {
        const filters = {
          ...(mask & 1 ? { completed: true } : {}), ...(mask & 2 ? { priority: 'high' as const } : {}),
          ...(mask & 4 ? { tags: ['a'] } : {}), ...(mask & 8 ? { search: 'a' } : {}),
          ...(mask & 16 ? { dueBefore: new Date() } : {}), ...(mask & 32 ? { dueAfter: new Date() } : {}),
        };
        const shape = (part: Part, cursor?: Position) => page('u', { sort, order, limit: 1, ...filters, ...(cursor ? { after: cursor } : {}) }, part, 1).statement;
        const parts: Part[] = sort === 'due_date' ? ['dated', 'undated'] : ['all'];
        for (const part of parts) yield* [shape(part), shape(part, part === 'undated' ? undated : after)];
      }
    }
  }
}
