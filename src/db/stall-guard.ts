// A PostgreSQL that stops answering without closing its sockets (a frozen server, a network partition, a
// paused cloud database) is invisible to TCP, whose kernel keeps acknowledging, and to statement_timeout,
// which runs on the server. So every pooled connection's socket carries Node's own idle timer
// (socket.setTimeout): when nothing has come or gone for `stallMs` while a statement is out, the connection
// is destroyed. pg then fails whatever waited on it, and knex's pool drops it and opens a new one when asked.
//
// The socket refreshes its timer on every read and write, natively, so no code of ours runs per statement:
// only when the timer fires, which on an idle pooled connection is once, and ignored. Once pg has upgraded a
// connection to TLS its stream is the TLS socket, whose timer counts the decrypted traffic.
//
// This module is where the API depends on pg's internals (a client's socket, and whether a query is out),
// which test/db/stall-guard.test.ts pins against the installed pg.
import type { Socket } from 'node:net';

export class DatabaseStalledError extends Error {
  override name = 'DatabaseStalledError';
  readonly code = 'DATABASE_STALLED';
}

/** What this module reads of a pg Client: not pg's documented API (see above). */
export interface PgClientInternals {
  connection: { stream: Socket };
  /** False from a query's submission until PostgreSQL says it is ready for the next (ReadyForQuery). */
  readyForQuery: boolean;
}

/** Arms the stall timer of a connected pg client (knex's pool calls this from afterCreate). */
export function watchForStalls(client: PgClientInternals, stallMs: number): void {
  const socket = client.connection.stream;
  socket.setTimeout(stallMs);
  socket.on('timeout', () => {
    if (client.readyForQuery) return; // no query out (idle in the pool): not a stall
    socket.destroy(new DatabaseStalledError(`PostgreSQL did not answer within ${stallMs} ms; the connection was dropped.`));
  });
}
