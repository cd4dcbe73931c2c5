// A named statement run on a connection borrowed from knex's own pool, with pg, rather than through knex's
// query path. For a statement whose text is fixed, that path is work done for nothing: a builder and a runner
// per call, the text's bindings positioned again, a copy of the query for each event it emits whether or not
// anyone listens. What skipping it bought is in docs/explanation/performance.md. The pool stays knex's (its
// size, its acquire timeout, its disposal of broken connections): a connection is taken and given back with
// the client's acquireConnection and releaseConnection, which knex's own runner calls and knex does not
// document. knex's documented query events ('query', 'query-response', 'query-error', each carrying the
// query's __knexQueryUid) are emitted on the instance, in knex's shape, whenever anything listens (the
// outage watch in health.ts; tests). This is the one module that borrows connections from knex's pool
// (pool-stats.ts only counts them); test/db/knex-pool.test.ts pins what it relies on.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type pg from 'pg';

type Connection = pg.ClientBase & { __knexUid?: string };

interface PoolOfClient {
  acquireConnection(): Promise<Connection>;
  releaseConnection(connection: Connection): Promise<void>;
}

const EVENTS = ['query', 'query-response', 'query-error'] as const;

/** Runs `query` on a connection of `db`'s pool (not a transaction's: its connection is knex's to hold). */
export async function queryOnPool<Row extends pg.QueryResultRow>(db: Knex, query: pg.QueryConfig): Promise<pg.QueryResult<Row>> {
  const client = db.client as unknown as PoolOfClient;
  const connection = await client.acquireConnection();
  const observed = EVENTS.some((event) => db.listenerCount(event) > 0)
    ? {
        __knexUid: connection.__knexUid,
        __knexTxId: undefined,
        __knexQueryUid: randomUUID(),
        method: 'raw',
        sql: query.text,
        bindings: query.values ?? [],
        options: query,
      }
    : undefined;
  try {
    if (observed) db.emit('query', observed);
    const result = await connection.query<Row>(query);
    if (observed) db.emit('query-response', result, observed);
    return result;
  } catch (error) {
    if (observed) db.emit('query-error', error, observed);
    throw error;
  } finally {
    await client.releaseConnection(connection);
  }
}
