import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { stallGuardedStream } from '../../../src/db/stall-guard.js';
import { until } from '../../support/until.js';

describe('the stall-guarded stream', () => {
  it('when writes are corked (as pg corks a query’s messages), then they reach the socket as one write, bytes in order', async (t) => {
    const received: Buffer[] = [];
    const server = createServer((peer) => peer.on('data', (chunk: Buffer) => received.push(chunk)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const stream = stallGuardedStream(5_000)() as ReturnType<ReturnType<typeof stallGuardedStream>> & { connect(port: number, host: string): void };
    stream.connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(stream, 'connect');
    t.after(() => stream.destroy());

    // Node's documented method, watched (it still writes): what the stream hands to the socket.
    const socketWrite = t.mock.method(Socket.prototype, 'write');
    stream.cork();
    for (const message of ['parse', 'bind', 'execute', 'sync']) stream.write(Buffer.from(message));
    stream.uncork();
    await new Promise<void>((resolve) => stream.write(Buffer.alloc(0), () => resolve()));
    t.mock.restoreAll();

    const written = socketWrite.mock.calls.map((call) => String(call.arguments[0])).filter((chunk) => chunk.length > 0);
    assert.deepEqual(written, ['parsebindexecutesync']);
    await until(() => Buffer.concat(received).length >= 20, 10);
    assert.equal(String(Buffer.concat(received)), 'parsebindexecutesync');
  });
});
