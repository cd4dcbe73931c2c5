// The event stream for the typed client: fetch-based (a browser's EventSource cannot send a token), resumed
// after any break (a network error, the server restarting or letting a slow reader go, an expired token)
// with Last-Event-ID, so that nothing is missed. What it is doing is reported through `onState`, and a
// refusal that retrying cannot mend ends it with an error instead of a silent loop.
import { TasksApiError } from './errors.js';
import type { components } from './schema.js';
import { parseEvents, type RawEvent } from './sse.js';
import type { TokenSource } from './tokens.js';

type Task = components['schemas']['Task'];

export type TaskStreamEvent =
  | { type: 'task.created' | 'task.updated'; id: string; task: Task; version: number }
  | { type: 'task.deleted'; id: string; taskId: number; version: number }
  /** The stream is live; `cursor` is where it stands (also usable with `changes`). */
  | { type: 'ready'; id: string; cursor: string }
  /** Changes were missed that are no longer kept: load the list again. */
  | { type: 'resync'; id: string; reason: string };

/** Where a subscription stands; `error` says why it is reconnecting, or why it ended. */
export type ConnectionState =
  | { status: 'connecting' }
  | { status: 'live' }
  | { status: 'reconnecting'; error: Error; attempt: number; retryInMs: number }
  | { status: 'closed'; error?: Error };

export interface SubscribeOptions {
  /** Ends the subscription. */
  signal?: AbortSignal;
  /** Resume after this event (an earlier event's id, or a `changes` cursor). */
  lastEventId?: string;
  /** The longest wait between two attempts to reconnect (the server's `retry` hint is the first). */
  maxRetryMs?: number;
  /** Called on every change of the connection's state. */
  onState?: (state: ConnectionState) => void;
}

export interface StreamTarget {
  url: string;
  tokens: TokenSource;
  /** Called unbound: a browser's fetch refuses to run as a method of another object. */
  fetch: (input: string, init: RequestInit) => Promise<Response>;
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
      return undefined; // token-expired (handled by the loop), or an event of a later version
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Statuses no retry can change: the request itself is wrong, or the user may not have this stream. */
const FINAL = new Set([400, 403, 404]);

/**
 * Every change to the caller's tasks, for as long as the subscription lasts. A 401 is retried once with a
 * fresh token; a 401 with a fresh token, a 400, 403 or 404 end it with a TasksApiError. Anything else (a
 * network error, a 429 or 503, the server ending the stream) is retried, resuming after the last event.
 */
export async function* subscribe(target: StreamTarget, options: SubscribeOptions = {}): AsyncGenerator<TaskStreamEvent> {
  const { signal, maxRetryMs = 30_000, onState = () => {} } = options;
  const send = target.fetch;
  let lastEventId = options.lastEventId;
  let retryMs = 1000;
  let failures = 0;
  let freshToken = false; // the next attempt asks for a new token
  let ending: Error | undefined;
  onState({ status: 'connecting' });
  try {
    while (!signal?.aborted) {
      let error: Error;
      let waitMs = 0;
      try {
        const tokenIsFresh = freshToken;
        const token = freshToken ? await target.tokens.fresh() : await target.tokens.current();
        freshToken = false;
        const response = await send(target.url, {
          headers: {
            Accept: 'text/event-stream',
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
            ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
          },
          ...(signal ? { signal } : {}),
        });
        if (response.status === 401 && !tokenIsFresh) {
          error = await TasksApiError.from(response);
          freshToken = true;
        } else if (response.status === 401 || FINAL.has(response.status)) {
          throw await TasksApiError.from(response);
        } else if (!response.ok || !response.body) {
          error = await TasksApiError.from(response);
          failures++;
          waitMs = Math.max(retryMs, Number(response.headers.get('Retry-After') ?? 0) * 1000);
        } else {
          failures = 0;
          onState({ status: 'live' });
          error = new Error('The server ended the event stream.');
          waitMs = retryMs;
          for await (const raw of parseEvents(response.body)) {
            if (raw.retry !== undefined) retryMs = raw.retry;
            if (raw.id !== undefined) lastEventId = raw.id;
            if (raw.event === 'token-expired') {
              error = new Error('The token expired: reconnecting with a fresh one.');
              freshToken = true;
              waitMs = 0;
            }
            const event = typed(raw);
            if (event) yield event;
          }
        }
      } catch (thrown) {
        if (signal?.aborted) return;
        if (thrown instanceof TasksApiError) throw thrown;
        // A network error, or a body that broke off: wait longer each time.
        error = thrown instanceof Error ? thrown : new Error(String(thrown));
        failures++;
        waitMs = retryMs * 2 ** Math.min(failures - 1, 5);
      }
      waitMs = Math.min(waitMs, maxRetryMs);
      onState({ status: 'reconnecting', error, attempt: Math.max(failures, 1), retryInMs: waitMs });
      await sleep(waitMs, signal);
    }
  } catch (thrown) {
    ending = thrown instanceof Error ? thrown : new Error(String(thrown));
    throw thrown;
  } finally {
    onState(ending ? { status: 'closed', error: ending } : { status: 'closed' });
  }
}
