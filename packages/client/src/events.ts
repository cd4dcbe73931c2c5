// The event stream for the typed client: fetch-based (a browser's EventSource cannot send a token), parsed
// as the Server-Sent Events standard reads it, and resumed after any break (a network error, the server
// restarting or letting a slow reader go, an expired token) with Last-Event-ID, so that nothing is missed.
import type { components } from '../contract/schema.js';

type Task = components['schemas']['Task'];

export type TaskStreamEvent =
  | { type: 'task.created' | 'task.updated'; id: string; task: Task; version: number }
  | { type: 'task.deleted'; id: string; taskId: number; version: number }
  /** The stream is live; `cursor` is where it stands (also usable with `changes`). */
  | { type: 'ready'; id: string; cursor: string }
  /** Changes were missed that are no longer kept: load the list again. */
  | { type: 'resync'; id: string; reason: string };

export interface SubscribeOptions {
  /** Ends the subscription. */
  signal?: AbortSignal;
  /** Resume after this event (an earlier event's id, or a `changes` cursor). */
  lastEventId?: string;
  /** The longest wait between two attempts to reconnect (the server's `retry` hint is the first). */
  maxRetryMs?: number;
}

export interface StreamTarget {
  url: string;
  getToken: () => Promise<string | null | undefined> | string | null | undefined;
  fetch: typeof globalThis.fetch;
}

interface RawEvent {
  event: string;
  id?: string;
  data: string;
  retry?: number;
}

/** Server-Sent Events from a body, as the standard splits them. */
async function* parse(body: ReadableStream<Uint8Array>): AsyncGenerator<RawEvent> {
  // TextDecoder rather than TextDecoderStream: the DOM's and Node's typings of the latter disagree, so this
  // file would not compile where both are loaded.
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event: RawEvent = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of buffer.slice(0, end).split('\n')) {
          if (line.startsWith(':')) continue;
          const [field, ...rest] = line.split(':');
          const value = rest.join(':').replace(/^ /, '');
          if (field === 'event') event.event = value;
          else if (field === 'data') data.push(value);
          else if (field === 'id') event.id = value;
          else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
        }
        buffer = buffer.slice(end + 2);
        event.data = data.join('\n');
        yield event;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function typed(raw: RawEvent): TaskStreamEvent | undefined {
  const data = raw.data ? (JSON.parse(raw.data) as Record<string, unknown>) : {};
  const id = raw.id ?? '';
  switch (raw.event) {
    case 'task.created':
    case 'task.updated':
      return { type: raw.event, id, task: data.task as Task, version: data.version as number };
    case 'task.deleted':
      return { type: raw.event, id, taskId: data.id as number, version: data.version as number };
    case 'ready':
      return { type: 'ready', id, cursor: data.cursor as string };
    case 'resync':
      return { type: 'resync', id, reason: data.reason as string };
    default:
      return undefined; // token-expired (the next connection takes a fresh token), or an event of a later version
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Every change to the caller's tasks, for as long as the subscription lasts. A refusal that retrying cannot
 * mend (400, 401, 403) ends it with an error; anything else is retried, resuming after the last event.
 */
export async function* subscribe(target: StreamTarget, options: SubscribeOptions = {}): AsyncGenerator<TaskStreamEvent> {
  const { signal, maxRetryMs = 30_000 } = options;
  let lastEventId = options.lastEventId;
  let retryMs = 1000;
  let failures = 0;
  while (!signal?.aborted) {
    let waitMs = retryMs;
    try {
      const token = await target.getToken();
      const response = await target.fetch(target.url, {
        headers: {
          Accept: 'text/event-stream',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
        },
        signal,
      });
      if (!response.ok || !response.body) {
        if ([400, 401, 403, 404].includes(response.status)) {
          throw Object.assign(new Error(`The event stream was refused: ${response.status} ${await response.text()}`), { status: response.status });
        }
        waitMs = Math.max(retryMs, Number(response.headers.get('Retry-After') ?? 0) * 1000);
        await response.body?.cancel();
      } else {
        failures = 0;
        for await (const raw of parse(response.body)) {
          if (raw.retry !== undefined) retryMs = raw.retry;
          if (raw.id !== undefined) lastEventId = raw.id;
          const event = typed(raw);
          if (event) yield event;
          if (raw.event === 'token-expired') waitMs = 0; // a fresh token, at once
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      if ((error as { status?: number }).status !== undefined) throw error;
      failures++; // a network error: wait longer each time
      waitMs = Math.min(maxRetryMs, retryMs * 2 ** Math.min(failures, 5));
    }
    await sleep(Math.min(waitMs, maxRetryMs), signal);
  }
}
