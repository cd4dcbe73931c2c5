// The stall guard reads pg's internals (a client's socket, and whether a query is out): pinned here
// against the installed pg, on a real connection, together with what the guard does with them.
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { watchForStalls, type PgClientInternals } from '../../src/db/stall-guard.js';
import { testDatabaseUrl } from '../support/settings.js';
import { proxyDatabase, stalledOutcome, type TcpProxy } from '../support/tcp-proxy.js';

const STALL_MS = 500;
let proxy: TcpProxy;
let url: string;
before(async () => {
  ({ proxy, url } = await proxyDatabase(testDatabaseUrl()!));
});
after(() => proxy.close());

async function connected(): Promise<pg.Client & PgClientInternals> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client as pg.Client & PgClientInternals;
}

describe('the stall guard', () => {
  it('when pg is connected and runs queries, then its socket is where the guard reads it, and readyForQuery is false exactly while one is out', async () => {
    const client = await connected();
    try {
      assert.ok(client.connection.stream instanceof Socket, 'connection.stream is the socket');
      assert.equal(client.readyForQuery, true, 'connected, nothing out');
      const running = client.query('select pg_sleep(0.2)');
      const queued = client.query('select 1');
      assert.equal(client.readyForQuery, false, 'a query out');
      await running;
      await queued;
      assert.equal(client.readyForQuery, true, 'both answered');
    } finally {
      await client.end();
    }
  });

  it('when a connection sits idle past the bound, then it is kept; when the server stops answering a query, then the query fails as a stall within the bound', async () => {
    const client = await connected();
    client.on('error', () => {}); // the destroyed connection reports once more
    watchForStalls(client, STALL_MS);
    await new Promise((resolve) => setTimeout(resolve, STALL_MS * 3));
    assert.deepEqual((await client.query('select 1 as one')).rows, [{ one: 1 }], 'idle is not a stall');
    proxy.stall();
    const started = performance.now();
    const outcome = await stalledOutcome(client.query('select 2'), STALL_MS);
    const waited = performance.now() - started;
    assert.equal(outcome, 'DATABASE_STALLED');
    proxy.resume();
    // Node checks a socket's timer when it is due: not before the bound, and (on a busy machine) some time after.
    assert.ok(waited >= STALL_MS - 50, `failed after ${Math.round(waited)} ms, before the bound`);
  });
});
