'use client';
// The list as the API has it, kept current: a cursor is taken before the list is loaded, the event stream
// resumes from it (so nothing between the two is missed), and after the browser was offline the missed
// changes come from `changes` before the stream starts again. A `resync` (or a cursor too old for
// `changes`) loads the list again.
import { TasksApiError, type ConnectionState, type ListQuery, type Task } from '@tasks-api/client';
import { useEffect, useRef, useState } from 'react';
import { api } from './tasks-api';

export type Filter = Pick<ListQuery, 'status' | 'priority' | 'q'>;

/** Whether a task belongs in the list under the filter, as the API decides it. */
function matches(task: Task, filter: Filter): boolean {
  if (filter.status === 'pending' && task.completed) return false;
  if (filter.status === 'completed' && !task.completed) return false;
  if (filter.priority && task.priority !== filter.priority) return false;
  const q = filter.q?.trim().toLowerCase();
  return !q || task.title.toLowerCase().includes(q) || (task.description ?? '').toLowerCase().includes(q);
}

export function useLiveTasks(filter: Filter) {
  const [tasks, setTasks] = useState<Task[]>([]);
  const [connection, setConnection] = useState<ConnectionState>({ status: 'connecting' });
  const [error, setError] = useState<string>();
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const upsert = (task: Task) =>
    setTasks((list) => {
      const rest = list.filter((t) => t.id !== task.id);
      if (!matches(task, filterRef.current)) return rest;
      const at = list.findIndex((t) => t.id === task.id);
      return at < 0 ? [task, ...rest] : [...rest.slice(0, at), task, ...rest.slice(at)];
    });
  const remove = (id: number) => setTasks((list) => list.filter((t) => t.id !== id));

  useEffect(() => {
    const stop = new AbortController();
    let cursor: string;

    async function load() {
      cursor = (await api.changes()).cursor;
      const all: Task[] = [];
      const { status, priority, q } = filterRef.current;
      const query = { ...(status ? { status } : {}), ...(priority ? { priority } : {}), ...(q?.trim() ? { q: q.trim() } : {}) };
      for await (const task of api.allTasks(query)) all.push(task);
      if (!stop.signal.aborted) setTasks(all);
    }

    /** What changed while the browser was offline, page by page, from the last cursor seen. */
    async function catchUp() {
      for (let more = true; more; ) {
        const page = await api.changes(cursor);
        page.changed.forEach(upsert);
        page.deleted.forEach(remove);
        cursor = page.cursor;
        more = page.more;
      }
    }

    async function follow(signal: AbortSignal) {
      for await (const event of api.subscribe({ signal, lastEventId: cursor, onState: setConnection })) {
        if (event.type === 'task.created' || event.type === 'task.updated') upsert(event.task);
        else if (event.type === 'task.deleted') remove(event.taskId);
        else if (event.type === 'resync') await load();
        if (event.type !== 'resync') cursor = event.id;
      }
    }

    // Offline, retrying cannot help: the stream is stopped, and started again after catching up.
    let streaming = new AbortController();
    const start = () =>
      follow(streaming.signal).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    const offline = () => streaming.abort();
    const online = () => {
      streaming = new AbortController();
      catchUp()
        .catch((e: unknown) => (e instanceof TasksApiError && e.status === 410 ? load() : Promise.reject(e)))
        .then(start, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    };
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    stop.signal.addEventListener('abort', () => streaming.abort());
    load().then(start, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
      stop.abort();
    };
  }, [filter.status, filter.priority, filter.q]);

  return { tasks, connection, error, upsert, remove };
}
