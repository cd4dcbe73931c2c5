// One client's event stream: a subscriber of the change hub that writes each change as a Server-Sent Event
// (its id the change's cursor), says when the client must resynchronise, keeps proxies from closing an idle
// stream, ends it when the token expires, and lets go of a client that stops reading.
import type { TaskChange } from '../tasks/task.js';
import type { SseEvent, SseStream } from './sse.js';
import type { ChangeHub, Subscriber } from './hub.js';

export interface StreamTimings {
  heartbeatMs: number;
  /** What the `retry` hint tells clients to wait before they reconnect. */
  retryMs: number;
  /** How long a client may leave written events unread before its stream is ended. */
  slowConsumerMs: number;
}

export interface StreamSession {
  userId: string;
  /** The number of the last change the client has. */
  position: number;
  /** When the token stops being valid (ms since the epoch). */
  expiresAt: number;
  /** The client's position is no longer a place to go on from: tell it to resynchronise first. */
  resync: boolean;
  /** The user's last change as the stream opened: once the client has it, `ready` says the stream is live. */
  liveAt: number;
  cursorOf(seq: number): string;
}

function eventOf(change: TaskChange, id: string): SseEvent {
  const data = change.task === null ? { id: change.taskId, version: change.version } : { task: change.task, version: change.version };
  return { id, event: `task.${change.kind}`, data };
}

/** Serves the stream until it ends, whoever ends it. */
export async function serveEvents(sse: SseStream, hub: ChangeHub, session: StreamSession, timings: StreamTimings): Promise<void> {
  // What the hub handed over and the socket has not taken yet: one page at most, since the hub hands over
  // more only once this is empty and the socket has drained.
  const queue: SseEvent[] = [];
  let writing = false;
  let slow: NodeJS.Timeout | undefined;
  const pump = async () => {
    if (writing) return;
    writing = true;
    try {
      while (queue.length > 0 && !sse.isClosed) {
        if (sse.send(queue.shift()!)) continue;
        slow = setTimeout(() => sse.end(), timings.slowConsumerMs); // a client that stops reading is let go
        await sse.drained();
        clearTimeout(slow);
      }
    } finally {
      writing = false;
    }
  };
  // `ready` follows what the client missed (a reconnect's events, or `resync`), never precedes it.
  let live = false;
  const announceLive = (position: number) => {
    if (live || position < session.liveAt) return;
    live = true;
    queue.push({ event: 'ready', id: session.cursorOf(position), data: { cursor: session.cursorOf(position) } });
  };
  const subscriber: Subscriber = {
    userId: session.userId,
    position: session.position,
    get ready() {
      return queue.length === 0 && !writing && !sse.isClosed;
    },
    deliver(changes) {
      for (const change of changes) queue.push(eventOf(change, session.cursorOf(change.seq)));
      this.position = changes.at(-1)?.seq ?? this.position;
      announceLive(this.position);
      void pump();
    },
    resync(last) {
      this.position = last;
      queue.push({ event: 'resync', id: session.cursorOf(last), data: { reason: 'Changes since your last event are no longer kept: load the list again.' } });
      announceLive(last);
      void pump();
    },
    end: () => sse.end(),
  };
  if (session.resync) subscriber.resync(session.position);
  announceLive(session.position);
  void pump();
  const remove = hub.add(subscriber);
  const heartbeat = setInterval(() => subscriber.ready && sse.comment('keep-alive'), timings.heartbeatMs);
  // A timer longer than 2^31 - 1 ms would fire at once: a long-lived token is looked at again on the way.
  let expiry: NodeJS.Timeout | undefined;
  const watchExpiry = () => {
    expiry = setTimeout(() => {
      if (Date.now() < session.expiresAt) return watchExpiry();
      sse.send({ event: 'token-expired', data: { reason: 'The token has expired: connect again with a new one.' } });
      sse.end();
    }, Math.min(Math.max(0, session.expiresAt - Date.now()), 2 ** 31 - 1));
  };
  watchExpiry();
  try {
    await sse.closed;
  } finally {
    remove();
    clearInterval(heartbeat);
    clearTimeout(expiry);
    clearTimeout(slow);
  }
}
