// The operation table: every operationId of openapi.yaml, each to its handler. `satisfies HandlerTable`
// makes a missing or mistyped handler a compile error; both URL scopes of a task operation share one.
import type { TaskRepository } from '../../db/tasks/index.js';
import type { UserCosts } from '../../http/costs.js';
import type { CursorCodec } from '../cursor.js';
import type { HandlerTable } from '../types.js';
import { createServiceHandlers, type ServiceDeps } from './service.js';
import { createSyncHandlers, type SyncDeps } from './sync.js';
import { createTaskHandlers } from './tasks.js';

export function createHandlers(deps: ServiceDeps & SyncDeps & { tasks: TaskRepository; cursors: CursorCodec; costs: UserCosts }): HandlerTable {
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
