// The operation table: every operationId of openapi.yaml, each to its handler. `satisfies HandlerTable`
// makes a missing or mistyped handler a compile error; both URL scopes of a task operation share one.
import type { Knex } from 'knex';
import type { HandlerTable } from './pipeline/handler.js';
import { createServiceHandlers, type ServiceDeps } from './service-routes/handlers.js';
import { createSyncHandlers, type SyncDeps } from './sync/handlers.js';
import type { CursorCodec } from './tasks/list.js';
import { createTaskHandlers } from './tasks/handlers.js';

export function operations(deps: ServiceDeps & SyncDeps & { db: Knex; cursors: CursorCodec }): HandlerTable {
  const tasks = createTaskHandlers(deps);
  const sync = createSyncHandlers(deps);
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
