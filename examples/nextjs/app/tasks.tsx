'use client';
import { useState, type FormEvent } from 'react';
import type { Task } from '@tasks-api/client';
import { authClient } from '@/lib/auth-client';
import { useLiveTasks, type Filter } from '@/lib/live-tasks';
import { api } from '@/lib/tasks-api';

const PRIORITIES = ['low', 'medium', 'high'] as const;

export function Tasks({ user }: { user: { email: string } }) {
  const [filter, setFilter] = useState<Filter>({});
  const { tasks, connection, error, upsert, remove } = useLiveTasks(filter);
  const [failure, setFailure] = useState<string>();
  const act = (work: () => Promise<unknown>) => () => void work().then(() => setFailure(undefined), (e: unknown) => setFailure(String(e)));

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    act(async () => {
      upsert(await api.createTask({ title: String(data.get('title')), priority: data.get('priority') as Task['priority'] }, { idempotencyKey: crypto.randomUUID() }));
      form.reset();
    })();
  };

  return (
    <main>
      <div className="row">
        <h1 style={{ flex: 1 }}>Tasks</h1>
        <span className="status">{user.email}</span>
        <button onClick={() => void authClient.signOut()}>Sign out</button>
      </div>
      <p className="status" data-testid="connection">
        {connection.status}
        {connection.status === 'reconnecting' && ` (${connection.error.message})`}
        {connection.status === 'closed' && connection.error && ` (${connection.error.message})`}
        {' · tokens fetched: '}
        <span data-testid="tokens">{api.tokensFetched}</span>
      </p>
      {(error ?? failure) && <p className="error">{error ?? failure}</p>}

      <form onSubmit={create} aria-label="New task">
        <input name="title" placeholder="What needs doing?" aria-label="Title" required maxLength={200} />
        <select name="priority" aria-label="Priority" defaultValue="medium">
          {PRIORITIES.map((p) => <option key={p}>{p}</option>)}
        </select>
        <button type="submit">Add</button>
      </form>

      <div className="row" role="group" aria-label="Filters">
        <select aria-label="Status filter" value={filter.status ?? 'all'} onChange={(e) => setFilter({ ...filter, status: e.target.value as Filter['status'] })}>
          {['all', 'pending', 'completed'].map((s) => <option key={s}>{s}</option>)}
        </select>
        <select aria-label="Priority filter" value={filter.priority ?? ''} onChange={(e) => setFilter({ ...filter, priority: (e.target.value || undefined) as Filter['priority'] })}>
          <option value="">any priority</option>
          {PRIORITIES.map((p) => <option key={p}>{p}</option>)}
        </select>
        <input type="search" aria-label="Search" placeholder="Search" defaultValue="" onChange={(e) => setFilter({ ...filter, q: e.target.value })} />
      </div>

      <ul aria-label="Tasks">
        {tasks.map((task) => (
          <TaskItem key={task.id} task={task} act={act} upsert={upsert} remove={remove} />
        ))}
      </ul>
    </main>
  );
}

function TaskItem({ task, act, upsert, remove }: {
  task: Task;
  act: (work: () => Promise<unknown>) => () => void;
  upsert: (task: Task) => void;
  remove: (id: number) => void;
}) {
  const [editing, setEditing] = useState(false);
  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const title = String(new FormData(event.currentTarget).get('title'));
    act(async () => {
      upsert((await api.updateTask(task.id, { title })).task);
      setEditing(false);
    })();
  };
  return (
    <li className={task.completed ? 'done' : ''} data-task-id={task.id}>
      <input type="checkbox" aria-label={`Done: ${task.title}`} checked={task.completed} onChange={act(async () => upsert((await api.setCompleted(task.id)).task))} />
      {editing ? (
        <form onSubmit={save} aria-label={`Edit ${task.title}`}>
          <input name="title" aria-label="New title" defaultValue={task.title} required maxLength={200} autoFocus />
          <button type="submit">Save</button>
        </form>
      ) : (
        <span className="title">{task.title}</span>
      )}
      <span className="status">{task.priority}</span>
      {!editing && <button onClick={() => setEditing(true)}>Edit</button>}
      <button onClick={act(async () => (await api.deleteTask(task.id), remove(task.id)))}>Delete</button>
    </li>
  );
}
