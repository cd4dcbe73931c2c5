// The operation table: every operationId of openapi.yaml, each to its handler. `satisfies HandlerTable`
// makes a missing or mistyped handler a compile error; both URL scopes of a task operation share one.
import type { TaskRepository } from './tasks/repository.js';
import type { UserCosts } from './pipeline/costs.js';
import type { CursorCodec } from './tasks/cursor.js';
import type { HandlerContext, HandlerTable } from './pipeline/handler.js';
import { caller } from './pipeline/caller.js';
import { createServiceHandlers, type ServiceDeps } from './service-routes/handlers.js';
import { createSyncHandlers, type SyncDeps } from './sync/handlers.js';
import { createTaskHandlers } from './tasks/handlers.js';

/** Each handler run as one of its caller's requests at once (src/pipeline/costs.ts): every one of these has a caller. */
function perUser<T extends Record<string, (c: HandlerContext<never>) => unknown>>(costs: UserCosts, handlers: T): T {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [name, (c: HandlerContext<never>) => costs.request(caller(c).id, () => Promise.resolve(handler(c)))]),
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
