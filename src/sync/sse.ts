// Server-Sent Events (the WHATWG HTML standard's text/event-stream) on a response: events, comments and the
// `retry` hint, with the socket's back-pressure made visible. `send` says whether the client keeps up; the
// caller then waits for `drained()` instead of writing on, so a slow reader costs a bounded amount of memory.
import type { ServerResponse } from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data?: unknown;
}

export interface SseStream {
  /** Writes an event; false when the client is not reading fast enough (wait for `drained()`). */
  send(event: SseEvent): boolean;
  /** A comment line, which clients ignore and proxies see as traffic. */
  comment(text: string): void;
  /** Ends the stream, telling the client how long to wait before it reconnects. */
  end(retryMs?: number): void;
  /** Resolves once what was written has gone out to the socket, or the stream closed. */
  drained(): Promise<void>;
  /** Resolves when the stream is over, whoever ended it. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
}

/** One field per line; a data value with line breaks takes one `data:` line per line, as the standard reads it. */
function frame({ id, event, data }: SseEvent): string {
  let text = '';
  if (event !== undefined) text += `event: ${event}\n`;
  if (id !== undefined) text += `id: ${id}\n`;
  if (data !== undefined) for (const line of JSON.stringify(data).split('\n')) text += `data: ${line}\n`;
  return `${text}\n`;
}

export function openSse(res: ServerResponse, retryMs: number): SseStream {
  let isClosed = false;
  // Whether the last write found the socket's buffer full, until it drains (kept here: a response's own
  // writableNeedDrain does not say so for every write that returned false).
  let full = false;
  const closed = new Promise<void>((resolve) => res.once('close', () => ((isClosed = true), resolve())));
  res.on('drain', () => (full = false));
  const write = (text: string) => {
    if (isClosed || res.writableEnded) return false;
    full = !res.write(text) || full;
    return !full;
  };
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('X-Accel-Buffering', 'no'); // proxies that buffer responses (nginx) pass this one through as it comes
  // A HEAD has the stream's headers and no body, so nothing is to come: Node would keep it open otherwise.
  if (res.req.method === 'HEAD') res.end();
  else res.flushHeaders();
  write(`retry: ${retryMs}\n\n`);
  return {
    send: (event) => write(frame(event)),
    comment(text) {
      write(`: ${text}\n\n`);
    },
    end(retry = retryMs) {
      if (!isClosed && !res.writableEnded) res.end(`retry: ${retry}\n\n`);
    },
    drained: () =>
      isClosed || !full
        ? Promise.resolve()
        : new Promise((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.once('drain', done);
            res.once('close', done);
          }),
    closed,
    get isClosed() {
      return isClosed;
    },
  };
}
