// Statements with fixed text run as named prepared statements: PostgreSQL parses and plans each once per
// connection. They run through knex (its pool, bounds, events and transactions); knex has no notion of a
// prepared statement, but its documented `.options()` mixes pg's own query options into the query, and pg
// prepares a query that has a `name`. The text keeps PostgreSQL's $n parameters, so `values` go there too.
// Behind a transaction pooler (createDb's userParams say so) the same text runs unnamed. Their rows carry
// timestamps as the contract's strings (timestamps.ts).
import type { Knex } from 'knex';
import type { DbParams } from './knex.js';
import { ISO_TIMESTAMPS } from './timestamps.js';

export interface Statement {
  name: string;
  text: string;
  /** Sent unnamed, so PostgreSQL plans it for its values every time (a prepared one may keep a generic plan). */
  planEachTime?: boolean;
}

async function execute<Row>(db: Knex | Knex.Transaction, { name, text, planEachTime }: Statement, values: readonly unknown[]) {
  const named = !planEachTime && (db.userParams as Partial<DbParams>).preparedStatements !== false;
  return db.raw<{ rows: Row[]; rowCount: number }>(text).options(named ? { name, values, types: ISO_TIMESTAMPS } : { values, types: ISO_TIMESTAMPS });
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
