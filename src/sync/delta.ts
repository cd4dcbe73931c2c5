// Delta sync's arithmetic: a page of changes told as the tasks they leave and the ids they delete, and
// whether a client asking from a change number has missed changes no longer kept; and its cursors. A change
// cursor's payload is the number of the user's last change seen, sealed as page cursors are
// (src/tasks/list.ts) and bound to the user. The event stream's event ids and delta sync's cursors are the same.
import { sealer } from '../tasks/list.js';
import type { Task, TaskChange } from '../tasks/task.js';

export interface ChangeCursorCodec {
  encode(seq: number, userId: string): string;
  /** The change number, or undefined when the cursor is malformed, altered, or another user's. */
  decode(cursor: string, userId: string): number | undefined;
}

/** A task changed several times in the page comes once, as it last was; a deleted one only as its id. */
export function collapse(changes: readonly TaskChange[]): { changed: Task[]; deleted: number[] } {
  const last = new Map<number, TaskChange>();
  for (const change of changes) {
    last.delete(change.taskId); // re-inserted: the order is that of each task's last change
    last.set(change.taskId, change);
  }
  const changed: Task[] = [];
  const deleted: number[] = [];
  for (const change of last.values()) {
    if (change.task === null) deleted.push(change.taskId);
    else changed.push(change.task);
  }
  return { changed, deleted };
}

/**
 * Whether changes after `since` were removed (older than what is kept): the first change still there is not
 * the next one, or none is there though the user's last change is later.
 */
export function missed(since: number, firstKept: number | undefined, last: number): boolean {
  return firstKept === undefined ? last > since : firstKept > since + 1;
}

export function createChangeCursorCodec(secret: string): ChangeCursorCodec {
  const changes = sealer(secret, 'change cursor v1');
  return {
    encode: (seq, userId) => changes.seal(seq, { user: userId }),
    decode(cursor, userId) {
      const seq = changes.open(cursor, { user: userId });
      return Number.isSafeInteger(seq) && (seq as number) >= 0 ? (seq as number) : undefined;
    },
  };
}
