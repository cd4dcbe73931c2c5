// Which database errors mean "PostgreSQL cannot be reached or does not answer in time" (a 503), as opposed
// to a bug (a 500); and what of an error may be logged: never its message or detail, which can quote a row.

// DATABASE_STALLED: the stall guard dropped a connection; NO_ANSWER_IN_TIME: a request's statements took
// longer together than the request may (src/pipeline/dispatch.ts).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'DATABASE_STALLED', 'NO_ANSWER_IN_TIME']);
// SQLSTATE classes 08 (connection exception) and 57P (operator intervention), and too_many_connections.
// Not query_canceled: one statement that ran past statement_timeout (on a row lock, say) is no outage.
const SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
// pg's own words for a connection that timed out while opening, went away under a query, or had already
// failed when a query (a transaction's ROLLBACK, say) was given to it; knex puts the statement in front of
// them ("select … - Connection terminated unexpectedly").
const CONNECTION_LOST = /(^|- )(timeout expired|Connection terminated|Client has encountered a connection error|Client was closed)/;

/** Any error PostgreSQL reported (it carries a five-character SQLSTATE). */
export function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, code, message, cause } = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (name === 'KnexTimeoutError') return true;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
  if (typeof message === 'string' && CONNECTION_LOST.test(message)) return true;
  return cause !== undefined && cause !== error && isDatabaseUnavailable(cause);
}

/** PostgreSQL cancelled a statement (query_canceled: statement_timeout), while it answers everyone else. */
export function isStatementCancelled(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  return code === '57014' || (cause !== undefined && cause !== error && isStatementCancelled(cause));
}

/** A short, loggable account of a database failure: what kind, never what the rows held. */
export function describeDatabaseFailure(error: unknown): string {
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'KnexTimeoutError') return 'no connection within the acquire timeout';
  if (code === 'DATABASE_STALLED') return 'the server stopped answering';
  if (code === 'NO_ANSWER_IN_TIME') return 'no answer within the request deadline';
  if (code === '57014') return 'a statement ran past statement_timeout';
  if (typeof message === 'string' && /unsupported startup parameter/.test(message)) {
    return 'a pooler refused a startup parameter: set DATABASE_POOLER=transaction';
  }
  if (typeof message === 'string' && CONNECTION_LOST.test(message)) return CONNECTION_LOST.exec(message)![0].replace(/^- /, '');
  return typeof code === 'string' ? code : 'unavailable';
}

/**
 * The fields of an error that are safe in a log line. PostgreSQL's message and detail can quote the row
 * ("Failing row contains (…task text…)") or the input, so a database error is logged by its code and the
 * names of what it concerns; any other error by its name, message and stack (this service's own).
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (isDatabaseError(error)) {
    const { code, severity, table, column, constraint, routine } = error as Record<string, unknown>;
    return { type: 'DatabaseError', code, severity, table, column, constraint, routine };
  }
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { type: typeof error };
}
