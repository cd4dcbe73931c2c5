// One handler per operationId. Both URL scopes share a handler: by the time it runs, openapi-backend has
// authenticated the caller, the hooks have checked that a path's {user_id} is the caller, and the request
// matches openapi.yaml. So a handler only reads the request, calls the repository, and says what to answer.
import type { Knex } from 'knex';
import { pingDatabase } from '../db/knex.js';
import type { TaskRepository } from '../db/tasks.js';
import { DOCS_CSP, docsPage } from '../http/docs.js';
import { Problem, problems } from '../http/problem.js';
import type { CursorCodec } from './cursor.js';
import { cursorBinding, nextLink, pageQuery } from './list-query.js';
import type { Spec } from './spec.js';
import { normalizeTaskCreate, normalizeTaskUpdate } from './task-input.js';
import type { Handler, HandlerContext, HandlerTable, OperationId } from './types.js';

function caller(c: HandlerContext<OperationId>) {
  if (!c.principal) throw problems.internal(); // unreachable: every task operation is behind bearerAuth
  return c.principal;
}

function invalidCursor(): never {
  const message = "is not a cursor of this query: use the previous page's Link, with the same filters, sort and order";
  throw new Problem(400, `The cursor ${message}.`, { errors: [{ in: 'query', field: '/cursor', message }] });
}

function found<T>(task: T | null, id: number): T {
  if (task === null) throw problems.notFound(`Task ${id}`);
  return task;
}

export function createHandlers(deps: { tasks: TaskRepository; db: Knex; spec: Spec; cursors: CursorCodec }) {
  const { tasks, spec, cursors } = deps;

  const list: Handler<'listTasks' | 'listUserTasks'> = async (c) => {
    const user = caller(c).id;
    const query = pageQuery(c.query);
    const binding = cursorBinding(user, query);
    const after = c.query.cursor === undefined ? undefined : (cursors.decode(c.query.cursor, binding) ?? invalidCursor());
    const page = await tasks.list(user, { ...query, after });
    const headers: Record<string, string> = page.next ? { Link: nextLink(c.path, c.search, cursors.encode(page.next, binding)) } : {};
    return { status: 200, body: page.tasks, headers };
  };

  const create: Handler<'createTask' | 'createUserTask'> = async (c) => {
    const task = await tasks.create(caller(c), normalizeTaskCreate(c.body!));
    return { status: 201, body: task, headers: { Location: `${c.path.replace(/\/$/, '')}/${task.id}` } };
  };

  const get: Handler<'getTask' | 'getUserTask'> = async (c) => ({
    status: 200,
    body: found(await tasks.get(caller(c).id, c.params.id), c.params.id),
  });

  const update: Handler<'updateTask' | 'updateUserTask'> = async (c) => ({
    status: 200,
    body: found(await tasks.update(caller(c).id, c.params.id, normalizeTaskUpdate(c.body!)), c.params.id),
  });

  const remove: Handler<'deleteTask' | 'deleteUserTask'> = async (c) => {
    if (!(await tasks.remove(caller(c).id, c.params.id))) throw problems.notFound(`Task ${c.params.id}`);
    return { status: 204, body: undefined };
  };

  const toggle: Handler<'toggleTaskCompletion' | 'toggleUserTaskCompletion'> = async (c) => ({
    status: 200,
    body: found(await tasks.setCompleted(caller(c).id, c.params.id, c.body?.completed), c.params.id),
  });

  return {
    listTasks: list,
    listUserTasks: list,
    createTask: create,
    createUserTask: create,
    getTask: get,
    getUserTask: get,
    updateTask: update,
    updateUserTask: update,
    deleteTask: remove,
    deleteUserTask: remove,
    toggleTaskCompletion: toggle,
    toggleUserTaskCompletion: toggle,
    getHealth: () => ({ status: 200, body: { status: 'ok' } }),
    getReadiness: async () => {
      await pingDatabase(deps.db).catch(() => {
        throw problems.unavailable();
      });
      return { status: 200, body: { status: 'ok' } };
    },
    getOpenApiYaml: () => ({ status: 200, body: spec.yaml, contentType: 'application/yaml' }),
    getOpenApiJson: () => ({ status: 200, body: spec.document }),
    getApiDocs: () => ({
      status: 200,
      body: docsPage,
      contentType: 'text/html',
      headers: { 'Content-Security-Policy': DOCS_CSP },
    }),
  } satisfies HandlerTable;
}
