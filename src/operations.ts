// The operation table: every operationId of openapi.yaml, each to its handler. `satisfies HandlerTable`
// makes a missing or mistyped handler a compile error; both URL scopes of a task operation share one.
import type { TaskRepository } from './tasks/repository.js';
import type { UserCosts } from './pipeline/costs.js';
import type { CursorCodec } from './tasks/cursor.js';
import type { HandlerContext, HandlerTable, UserOperationId } from './pipeline/handler.js';
import { createServiceHandlers, type ServiceDeps } from './service-routes/handlers.js';
import { createSyncHandlers, type SyncDeps } from './sync/handlers.js';
import { createTaskHandlers } from './tasks/handlers.js';

// A method's type, compared bivariantly: any user's operation's handler is one.
type UserHandler = { handle(c: HandlerContext<UserOperationId>): unknown }['handle'];

/** Each handler run as one of its user's requests at once (src/pipeline/costs.ts). */
function perUser<T extends Record<string, UserHandler>>(costs: UserCosts, handlers: T): T {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [name, (c: HandlerContext<UserOperationId>) => costs.request(c.principal.id, () => Promise.resolve(handler(c)))]),
  ) as T;
}

export function operations(deps: ServiceDeps & SyncDeps & { tasks: TaskRepository; cursors: CursorCodec; costs: UserCosts }): HandlerTable {
  const tasks = perUser(deps.costs, createTaskHandlers(deps));
  const sync = perUser(deps.costs, createSyncHandlers(deps));
  return {
    ...sync,
    getUserTaskSummary: sync.getTaskSummary,
    setUserTasksCompletion: sync.setTasksCompletion,
    deleteUserCompletedTasks: sync.deleteCompletedTasks,
    listUserTaskChanges: sync.listTaskChanges,
    streamUserTaskEvents: sync.streamTaskEvents,
    ...tasks,
    listUserTasks: tasks.listTasks,
    createUserTask: tasks.createTask,
    getUserTask: tasks.getTask,
    updateUserTask: tasks.updateTask,
    patchUserTask: tasks.patchTask,
    deleteUserTask: tasks.deleteTask,
    toggleUserTaskCompletion: tasks.toggleTaskCompletion,
    ...createServiceHandlers(deps),
  } satisfies HandlerTable;
}
