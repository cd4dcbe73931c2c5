// Statements with fixed text run as named prepared statements: PostgreSQL parses and plans each once per
// connection; pg prepares a query that has a `name`. They run on knex's pool (its bounds and events:
// knex-pool.ts), and in a transaction through knex itself, whose documented `.options()` mixes pg's own
// query options into the query (knex has no notion of a prepared statement). The text keeps PostgreSQL's
// $n parameters, so `values` go there too. Behind a transaction pooler (createDb's userParams say so) the
// same text runs unnamed. Their rows carry timestamps as the contract's strings (ISO_TIMESTAMPS, below).
import type { Knex } from 'knex';
import pg from 'pg';
import type { DbParams } from './knex.js';
import { queryOnPool } from './knex-pool.js';

export interface Statement {
  name: string;
  text: string;
  /** Sent unnamed, so PostgreSQL plans it for its values every time (a prepared one may keep a generic plan). */
  planEachTime?: boolean;
}

async function execute<Row>(db: Knex | Knex.Transaction, { name, text, planEachTime }: Statement, values: readonly unknown[]) {
  const named = !planEachTime && (db.userParams as Partial<DbParams>).preparedStatements !== false;
  const options = named ? { name, values, types: ISO_TIMESTAMPS } : { values, types: ISO_TIMESTAMPS };
  // A transaction's statements go on its connection, through knex; any other borrows one from the pool.
  if (db.isTransaction) return db.raw<{ rows: Row[]; rowCount: number }>(text).options(options);
  const { rows, rowCount } = await queryOnPool(db, { text, ...options, values: [...values] });
  return { rows: rows as Row[], rowCount: rowCount ?? 0 };
}

export async function run<Row>(db: Knex | Knex.Transaction, statement: Statement, values: readonly unknown[]): Promise<Row[]> {
  return (await execute<Row>(db, statement, values)).rows;
}

/** How many rows a statement wrote. */
export async function runCount(db: Knex | Knex.Transaction, statement: Statement, values: readonly unknown[]): Promise<number> {
  return (await execute(db, statement, values)).rowCount;
}

/** PostgreSQL cuts a statement's name to NAMEDATALEN - 1 bytes, silently: longer names could collide. */
export const MAX_NAME_BYTES = 63;

const cache = new Map<string, Statement>();

/**
 * The statement named `name`, its text built on first use (a write's text depends on its shape). A name
 * PostgreSQL would cut is refused before it reaches a connection, where it could collide with another.
 */
export function statement(name: string, text: () => string, options: { planEachTime?: boolean } = {}): Statement {
  let found = cache.get(name);
  if (!found) {
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new Error(`Statement name longer than ${MAX_NAME_BYTES} bytes: ${name}`);
    cache.set(name, (found = { name, text: text(), ...(options.planEachTime ? { planEachTime: true } : {}) }));
  }
  return found;
}

/** Every statement built so far, by name: what a test checks once it has built every shape. */
export function builtStatements(): ReadonlyMap<string, Statement> {
  return cache;
}

// Timestamps go from PostgreSQL's text straight to the contract's date-time string, never through a `Date`:
// a page of tasks holds four of them a row, and each `Date` (parsed by a regular expression, then formatted
// again by toISOString) is work and garbage on the hottest path. The string is exactly what
// `new Date(text).toISOString()` gives; the columns are timestamptz(3), so nothing is cut.

const TIMESTAMPTZ: number = pg.types.builtins.TIMESTAMPTZ;
const parseDate = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date | number;

/**
 * `2026-12-06 07:00:41.12+00` → `2026-12-06T07:00:41.120Z`. Only a session in UTC writes that form (ISO
 * DateStyle, offset +00, a four-digit year); any other (another time zone, BC, infinity) takes pg's own
 * parser, so the answer is the same whatever the server's settings, only slower.
 */
export function isoTimestamp(text: string): string {
  const length = text.length;
  if (
    text.charCodeAt(4) === 45 /* - */ && text.charCodeAt(10) === 32 /* space */ &&
    text.charCodeAt(length - 3) === 43 /* + */ && text.charCodeAt(length - 2) === 48 && text.charCodeAt(length - 1) === 48
  ) {
    const day = text.slice(0, 10);
    const time = text.slice(11, 19);
    if (length === 22) return `${day}T${time}.000Z`;
    if (text.charCodeAt(19) === 46 /* . */ && length <= 26) return `${day}T${time}.${text.slice(20, length - 3).padEnd(3, '0')}Z`;
  }
  const date = parseDate(text);
  if (typeof date === 'number') throw new RangeError(`Timestamp ${text} is not a date-time`);
  return date.toISOString();
}

/** pg's query option `types`: every timestamptz of a result as its ISO string; other types as pg parses them. */
export const ISO_TIMESTAMPS = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === TIMESTAMPTZ && format !== 'binary') return isoTimestamp;
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};
