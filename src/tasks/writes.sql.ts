// The single-task statements: create, get, and the writes that If-Match can make conditional. Each is one
// statement scoped to the user ($1) and the task ($2), run as a named prepared statement.
import type { Knex } from 'knex';
import type { Owner, Precondition, TaskFields, Versioned, WriteOutcome } from './task.js';
import { run, statement, type Statement } from '../db/statement.js';
import { COLUMNS, RETURNING, toVersioned, type TaskRow } from './rows.sql.js';

/**
 * Records the owner and creates the task, in one statement: claim_task_id (see its migration) upserts the
 * owner's row, which holds the user's last task id, so a task's id counts that user's tasks and says nothing
 * about anyone else's.
 */
const INSERT = statement('tasks.insert', () =>
  `insert into tasks (user_id, id, title, description, completed, completed_at, priority, tags, due_date)
         values ($1, claim_task_id($1, $2, $3), $4, $5, $6, task_completed_at($6, null, now()), $7::task_priority, $8::text[], $9)
         ${RETURNING}`);

export async function insertTask(db: Knex | Knex.Transaction, owner: Owner, fields: TaskFields): Promise<Versioned> {
  const [row] = await run<TaskRow>(db, INSERT, [
    owner.id, owner.email, owner.name,
    fields.title, fields.description, fields.completed, fields.priority, fields.tags, fields.due_date,
  ]);
  return toVersioned(row!);
}

const GET = statement('tasks.get', () => `select ${COLUMNS.join(', ')} from tasks where user_id = $1 and id = $2`);
const EXISTS = statement('tasks.exists', () => 'select 1 from tasks where user_id = $1 and id = $2');
const WRITTEN = 'updated_at = now(), version = version + 1';
export const UPDATABLE = ['title', 'description', 'completed', 'priority', 'tags', 'due_date'] as const;

export async function getTask(db: Knex, userId: string, id: number): Promise<Versioned | null> {
  if (!Number.isSafeInteger(id)) return null; // ids stop below 2^53 (see the schema); no larger one exists
  const [row] = await run<TaskRow>(db, GET, [userId, id]);
  return row ? toVersioned(row) : null;
}

/** One of the user's tasks ($1, $2), and when `versions` is a parameter number, only at those versions. */
function ownTask(versions: number | undefined): string {
  return `where user_id = $1 and id = $2${versions === undefined ? '' : ` and version = any($${versions}::int[])`}`;
}

/**
 * Runs a write on the user's task ($1 and $2, then `values`), restricted to the If-Match versions, as one
 * statement. When nothing was written, a second look tells a missing task (404) from a changed one (412).
 * `write` gives the statement for the parameter number of the If-Match versions, or undefined for none.
 */
async function conditionally(
  db: Knex,
  userId: string,
  id: number,
  ifMatch: Precondition,
  write: (versions: number | undefined) => Statement,
  values: unknown[] = [],
): Promise<WriteOutcome<Versioned>> {
  if (!Number.isSafeInteger(id)) return 'not-found'; // and must not reach SQL inexact
  const conditional = Array.isArray(ifMatch);
  const versions = conditional ? values.length + 3 : undefined;
  const [row] = await run<TaskRow>(db, write(versions), [userId, id, ...values, ...(conditional ? [ifMatch] : [])]);
  if (row) return toVersioned(row);
  if (!conditional) return 'not-found';
  return (await run(db, EXISTS, [userId, id])).length > 0 ? 'precondition-failed' : 'not-found';
}

type Updatable = (typeof UPDATABLE)[number];

/**
 * The update of `columns` (a subset of UPDATABLE, in its order), restricted to the If-Match versions at
 * parameter `versions` when given. Its name says the shape in a bitmask of the columns, so every name stays
 * short: PostgreSQL cuts a statement's name to 63 bytes, and two names alike up to there would collide.
 */
export function updateStatement(columns: readonly Updatable[], versions: number | undefined): Statement {
  const mask = UPDATABLE.reduce((bits, column, i) => (columns.includes(column) ? bits | (1 << i) : bits), 0);
  // The SET list is built once per shape, with the statement: only its values vary between requests.
  return statement(`tasks.update.${mask.toString(16)}${versions ? '.if-match' : ''}`, () => {
    const sets = columns.map((column, i) => `${column} = $${i + 3}`);
    if (columns.includes('completed')) {
      sets.push(`completed_at = task_completed_at($${columns.indexOf('completed') + 3}::boolean, completed_at, now())`);
    }
    return `update tasks set ${[...sets, WRITTEN].join(', ')} ${ownTask(versions)} ${RETURNING}`;
  });
}

/** Replaces the given fields in one statement; `completed` keeps `completed_at` in step. */
export function updateTask(db: Knex, userId: string, id: number, fields: Partial<TaskFields>, ifMatch: Precondition): Promise<WriteOutcome<Versioned>> {
  const columns = UPDATABLE.filter((column) => fields[column] !== undefined);
  return conditionally(db, userId, id, ifMatch, (versions) => updateStatement(columns, versions), columns.map((column) => fields[column]));
}

const toggleStatement = (versions: number | undefined) =>
  statement(`tasks.toggle${versions ? '.if-match' : ''}`, () =>
    `update tasks set completed = not completed, completed_at = task_completed_at(not completed, null, now()), ${WRITTEN}
     ${ownTask(versions)} ${RETURNING}`);
const completeStatement = (versions: number | undefined) =>
  statement(`tasks.complete${versions ? '.if-match' : ''}`, () =>
    `update tasks set completed = $3, completed_at = task_completed_at($3, completed_at, now()), ${WRITTEN}
     ${ownTask(versions)} ${RETURNING}`);
const deleteStatement = (versions: number | undefined) =>
  statement(`tasks.delete${versions ? '.if-match' : ''}`, () => `delete from tasks ${ownTask(versions)} ${RETURNING}`);

/** Sets `completed`, or flips it when `completed` is undefined; atomic, so concurrent flips all count. */
export function setCompleted(db: Knex, userId: string, id: number, completed: boolean | undefined, ifMatch: Precondition): Promise<WriteOutcome<Versioned>> {
  if (completed === undefined) return conditionally(db, userId, id, ifMatch, toggleStatement);
  return conditionally(db, userId, id, ifMatch, completeStatement, [completed]);
}

export async function removeTask(db: Knex, userId: string, id: number, ifMatch: Precondition): Promise<WriteOutcome<true>> {
  const outcome = await conditionally(db, userId, id, ifMatch, deleteStatement);
  return typeof outcome === 'string' ? outcome : true;
}

/** Every statement these writes can run, each shape with and without If-Match: for the test of their names. */
export function* everyWriteStatement(): Generator<Statement> {
  for (let mask = 1; mask < 1 << UPDATABLE.length; mask++) {
    const columns = UPDATABLE.filter((_, i) => mask & (1 << i));
    yield updateStatement(columns, undefined);
    yield updateStatement(columns, columns.length + 3);
  }
  for (const build of [toggleStatement, deleteStatement]) yield* [build(undefined), build(3)];
  yield* [completeStatement(undefined), completeStatement(4)];
}
