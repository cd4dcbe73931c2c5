// A PostgreSQL that stops answering without closing its sockets (a frozen server, a network partition, a
// paused cloud database) is invisible to TCP, whose kernel keeps acknowledging, and to statement_timeout,
// which runs on the server. So every connection's bytes pass through this stream: once a request has been
// written, an answer must start to arrive within `stallMs`, or the connection is destroyed. pg then fails
// whatever waited on it, and knex's pool drops it and opens a new one when asked.
//
// It wraps the socket as a plain Duplex (handed to pg as its documented `stream` option) rather than
// subclassing net.Socket: TLS would wrap a net.Socket's native handle directly and bypass any JavaScript
// watching it, while a Duplex carries the encrypted bytes through here too.
import { Duplex } from 'node:stream';
import { Socket } from 'node:net';

export class DatabaseStalledError extends Error {
  override name = 'DatabaseStalledError';
  readonly code = 'DATABASE_STALLED';
}

export function stallGuardedStream(stallMs: number): () => Duplex {
  return () => new StallGuardedStream(stallMs);
}

class StallGuardedStream extends Duplex {
  private readonly socket = new Socket();
  private waiting: NodeJS.Timeout | undefined;

  constructor(private readonly stallMs: number) {
    super({ allowHalfOpen: false });
    const { socket } = this;
    socket.on('connect', () => this.emit('connect'));
    socket.on('data', (chunk: Buffer) => {
      this.answered();
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  // What pg calls on its stream besides the Duplex methods.
  connect(...args: Parameters<Socket['connect']>): this {
    this.socket.connect(...args);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.socket.setKeepAlive(enable, initialDelay);
    return this;
  }
  ref(): this {
    this.socket.ref();
    return this;
  }
  unref(): this {
    this.socket.unref();
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }
  override _write(chunk: Buffer, encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.expectAnswer();
    this.socket.write(chunk, encoding, done);
  }
  // pg corks the stream around the messages of a query (parse, bind, execute, sync): they go on as one
  // write, as they would on a bare socket, not one system call and one packet each.
  override _writev(chunks: Array<{ chunk: Buffer }>, done: (error?: Error | null) => void): void {
    this.expectAnswer();
    this.socket.write(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map(({ chunk }) => chunk)), done);
  }
  override _final(done: (error?: Error | null) => void): void {
    this.socket.end(done);
  }
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.answered();
    this.socket.destroy();
    // pg takes this stream's 'close' for the end of the connection. When TLS over it fails, TLS destroys it
    // first and reports why just after: closing a turn later lets pg hear why (a bad certificate, say).
    setImmediate(() => done(error));
  }

  private expectAnswer(): void {
    this.waiting ??= setTimeout(() => {
      this.destroy(new DatabaseStalledError(`PostgreSQL did not answer within ${this.stallMs} ms; the connection was dropped.`));
    }, this.stallMs);
  }

  private answered(): void {
    clearTimeout(this.waiting);
    this.waiting = undefined;
  }
}
