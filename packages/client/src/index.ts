// The typed client for the Tasks API, generated from openapi.yaml: openapi-typescript's types drive
// openapi-fetch, so every path, parameter, body and response is checked by the compiler, and a contract
// change that breaks a caller breaks its build. It runs in browsers and in Node.js.
//
//   const api = createTasksClient({ baseUrl: 'http://localhost:8000', getToken: async () => (await authClient.token()).data?.token });
//   const task = await api.createTask({ title: 'Buy milk' });
//   for await (const t of api.allTasks({ status: 'pending' })) console.log(t.title);
import createClient, { type Client } from 'openapi-fetch';
import { TasksApiError, type Problem } from './errors.js';
import { subscribe, type ConnectionState, type SubscribeOptions, type TaskStreamEvent } from './events.js';
import type { components, operations, paths } from './schema.js';
import { tokenSource, type GetToken } from './tokens.js';

export { TasksApiError };
export type { components, ConnectionState, GetToken, operations, paths, Problem, SubscribeOptions, TaskStreamEvent };
export type Task = components['schemas']['Task'];
export type TaskCreate = components['schemas']['TaskCreate'];
export type TaskUpdate = components['schemas']['TaskUpdate'];
export type TaskPatch = components['schemas']['TaskPatch'];
export type ListQuery = NonNullable<operations['listTasks']['parameters']['query']>;
export type TaskChanges = components['schemas']['TaskChanges'];
export type TaskSummary = components['schemas']['TaskSummary'];
export type BulkFilter = NonNullable<operations['setTasksCompletion']['parameters']['query']>;

export interface TasksClientOptions {
  baseUrl: string;
  /**
   * Returns a bearer token (e.g. Better Auth's `authClient.token()`); undefined sends none. Called when the
   * client holds no token, when the one it holds is within `tokenMarginSeconds` of its `exp`, and once
   * after a 401, never before every request.
   */
  getToken: GetToken;
  /** How long before its `exp` a token is replaced (at most a quarter of its life). */
  tokenMarginSeconds?: number;
  /** A fetch to use instead of the global one (it is called unbound, so `window.fetch` works as is). */
  fetch?: typeof globalThis.fetch;
}

export interface TasksClient {
  /** The underlying openapi-fetch client, typed by every path of the contract. */
  raw: Client<paths>;
  listTasks(query?: ListQuery): Promise<{ tasks: Task[]; next: string | undefined }>;
  /** Every task matching the query, fetching page after page by following `Link: rel="next"`. */
  allTasks(query?: Omit<ListQuery, 'cursor'>): AsyncIterableIterator<Task>;
  createTask(body: TaskCreate, options?: { idempotencyKey?: string }): Promise<Task>;
  getTask(id: number): Promise<{ task: Task; etag: string }>;
  updateTask(id: number, body: TaskUpdate, options?: { ifMatch?: string }): Promise<{ task: Task; etag: string }>;
  /** JSON Merge Patch: members present replace, `null` clears a nullable field, `{}` changes nothing. */
  patchTask(id: number, patch: TaskPatch, options?: { ifMatch?: string }): Promise<{ task: Task; etag: string }>;
  /** No `completed`: toggles; with it: sets. */
  setCompleted(id: number, completed?: boolean, options?: { ifMatch?: string }): Promise<{ task: Task; etag: string }>;
  deleteTask(id: number, options?: { ifMatch?: string }): Promise<void>;
  /**
   * Every change to the caller's tasks as it happens, from any device: reconnects by itself (with a fresh
   * token when the old one expires) and misses nothing; `onState` tells what the connection is doing, and a
   * refusal no retry can mend (a 401 with a fresh token, a 403) ends it with a TasksApiError.
   */
  subscribe(options?: SubscribeOptions): AsyncGenerator<TaskStreamEvent>;
  /** Delta sync: what changed since `since` (omitted: the present cursor, with no changes). */
  changes(since?: string, limit?: number): Promise<TaskChanges>;
  summary(): Promise<TaskSummary>;
  /** Completes (or reopens) every task matching the filter; returns how many changed. */
  setCompletedWhere(filter: BulkFilter, completed: boolean): Promise<number>;
  /** Deletes every completed task; returns how many. */
  deleteCompleted(): Promise<number>;
  /** How many times `getToken` has been called. */
  readonly tokensFetched: number;
}

export function createTasksClient(options: TasksClientOptions): TasksClient {
  const custom = options.fetch;
  // Never `options.fetch(…)`: a browser's fetch throws "Illegal invocation" when called as a method of
  // another object.
  const send = (input: Request | string, init?: RequestInit) => (custom ? custom(input, init) : globalThis.fetch(input, init));
  const tokens = tokenSource(options.getToken, options.tokenMarginSeconds ?? 60);

  /** Sends with the token held; a 401 for a token that was not just fetched is sent again once, with a new one. */
  async function authorized(request: Request): Promise<Response> {
    const spare = request.clone(); // the body can be sent only once
    const asked = tokens.fetched;
    const response = await send(withToken(request, await tokens.current()));
    if (response.status !== 401 || tokens.fetched !== asked) return response;
    await response.body?.cancel();
    return send(withToken(spare, await tokens.fresh()));
  }
  const raw = createClient<paths>({ baseUrl: options.baseUrl, fetch: authorized });

  /** The data of a successful answer, or the problem thrown as a TasksApiError. */
  function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
    if (result.response.ok) return result.data as T;
    throw new TasksApiError(result.response.status, result.error as Problem, result.response);
  }
  const etagOf = (response: Response) => response.headers.get('ETag') ?? '';
  const nextCursor = (response: Response) => {
    const target = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('Link') ?? '')?.[1];
    return target ? (new URL(target, options.baseUrl).searchParams.get('cursor') ?? undefined) : undefined;
  };

  const client: TasksClient = {
    raw,
    async listTasks(query = {}) {
      const result = await raw.GET('/api/tasks', { params: { query } });
      return { tasks: ok(result), next: nextCursor(result.response) };
    },
    async *allTasks(query = {}) {
      let cursor: string | undefined;
      do {
        const page = await client.listTasks({ ...query, ...(cursor ? { cursor } : {}) });
        yield* page.tasks;
        cursor = page.next;
      } while (cursor);
    },
    async createTask(body, { idempotencyKey } = {}) {
      const header = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
      return ok(await raw.POST('/api/tasks', { body, params: { header } }));
    },
    async getTask(id) {
      const result = await raw.GET('/api/tasks/{id}', { params: { path: { id } } });
      return { task: ok(result), etag: etagOf(result.response) };
    },
    async updateTask(id, body, { ifMatch } = {}) {
      const result = await raw.PUT('/api/tasks/{id}', { body, params: { path: { id }, header: ifMatch ? { 'If-Match': ifMatch } : {} } });
      return { task: ok(result), etag: etagOf(result.response) };
    },
    async patchTask(id, patch, { ifMatch } = {}) {
      const result = await raw.PATCH('/api/tasks/{id}', {
        body: patch,
        params: { path: { id }, header: ifMatch ? { 'If-Match': ifMatch } : {} },
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
      return { task: ok(result), etag: etagOf(result.response) };
    },
    async setCompleted(id, completed, { ifMatch } = {}) {
      const result = await raw.PATCH('/api/tasks/{id}/complete', {
        params: { path: { id }, header: ifMatch ? { 'If-Match': ifMatch } : {} },
        ...(completed === undefined ? {} : { body: { completed } }),
      });
      return { task: ok(result), etag: etagOf(result.response) };
    },
    async deleteTask(id, { ifMatch } = {}) {
      ok(await raw.DELETE('/api/tasks/{id}', { params: { path: { id }, header: ifMatch ? { 'If-Match': ifMatch } : {} } }));
    },
    subscribe: (subscribeOptions) =>
      subscribe({ url: `${options.baseUrl.replace(/\/+$/, '')}/api/tasks/events`, tokens, fetch: send }, subscribeOptions),
    async changes(since, limit) {
      return ok(await raw.GET('/api/tasks/changes', { params: { query: { ...(since ? { since } : {}), ...(limit ? { limit } : {}) } } }));
    },
    async summary() {
      return ok(await raw.GET('/api/tasks/summary'));
    },
    async setCompletedWhere(filter, completed) {
      return ok(await raw.PATCH('/api/tasks', { params: { query: filter }, body: { completed } })).changed;
    },
    async deleteCompleted() {
      return ok(await raw.DELETE('/api/tasks/completed')).deleted;
    },
    get tokensFetched() {
      return tokens.fetched;
    },
  };
  return client;
}

function withToken(request: Request, token: string | undefined): Request {
  if (token) request.headers.set('Authorization', `Bearer ${token}`);
  else request.headers.delete('Authorization');
  return request;
}
