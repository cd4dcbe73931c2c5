// Delta sync's arithmetic: a page of changes told as the tasks they leave and the ids they delete, and
// whether a client asking from a change number has missed changes no longer kept.
import type { Task, TaskChange } from '../tasks/task.js';

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
