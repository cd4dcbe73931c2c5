// HTTP over a bare socket, for the requests fetch will not send: lying or oversized Content-Length, endless
// chunked bodies, bytes dripped slowly. Resolves with the first response and whether the server then closed.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** From the first byte sent to the end of the response's head. */
  ms: number;
  /** Request bytes written (head and body) by the time the response's head arrived. */
  sentBeforeAnswer: number;
  /** The server closed the connection within `closeWithinMs` of the response. */
  closed: boolean;
}

export interface RawOptions {
  /** Written after the head; `feed` may keep writing (return a function that stops it). */
  feed?: (socket: Socket, sent: (bytes: number) => void) => (() => void) | void;
  closeWithinMs?: number;
  timeoutMs?: number;
}

export function rawRequest(port: number, head: string, options: RawOptions = {}): Promise<RawResponse> {
  const { closeWithinMs = 2000, timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let sent = 0;
    let received = Buffer.alloc(0);
    let answer: Omit<RawResponse, 'closed' | 'body'> & { bodyStart: number } | undefined;
    let stopFeeding: (() => void) | void;
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    let finished = false;
    const finish = (error?: Error, closed = false) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      stopFeeding?.();
      socket.destroy();
      if (error) reject(error);
      else if (answer) {
        const { bodyStart, ...rest } = answer;
        const length = Number(answer.headers['content-length'] ?? received.length - bodyStart);
        resolve({ ...rest, body: received.subarray(bodyStart, bodyStart + length).toString(), closed });
      }
    };
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (answer) return;
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = received.subarray(0, end).toString().split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      answer = { status: Number(statusLine.split(' ')[1]), headers, ms: Date.now() - started, sentBeforeAnswer: sent, bodyStart: end + 4 };
      setTimeout(() => finish(undefined, false), closeWithinMs);
    });
    // A reset after the answer is a close too (the server stopped reading what was still being sent).
    socket.on('error', (error) => (answer ? finish(undefined, true) : finish(error)));
    socket.on('close', () => finish(answer ? undefined : new Error('closed before answering'), true));
    socket.write(head, () => {
      sent += Buffer.byteLength(head);
      stopFeeding = options.feed?.(socket, (bytes) => (sent += bytes));
    });
  });
}

/** Writes 1 KiB chunks of a chunked body as fast as the socket takes them, until stopped or closed. */
export function endlessChunks(socket: Socket, sent: (bytes: number) => void): () => void {
  const chunk = `400\r\n${'x'.repeat(1024)}\r\n`;
  let stopped = false;
  const pump = () => {
    while (!stopped && !socket.destroyed) {
      const ok = socket.write(chunk);
      sent(chunk.length);
      if (!ok) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
  return () => {
    stopped = true;
  };
}
