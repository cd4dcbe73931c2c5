// The task repository over this folder's *.sql.ts files. Every method takes the owner's id first and every
// statement filters by it, so "not yours" and "not there" are the same null.
import type { Knex } from 'knex';
import type { IdempotentCreate, ListOptions, Owner, Precondition, TaskFields } from './task.js';
import { createOnce } from './idempotency.sql.js';
import { listTasks } from './list.sql.js';
import { getTask, insertTask, removeTask, setCompleted, updateTask } from './writes.sql.js';

export type TaskRepository = ReturnType<typeof createTaskRepository>;

export function createTaskRepository(db: Knex) {
  return {
    list: (userId: string, options: ListOptions) => listTasks(db, userId, options),
    get: (userId: string, id: number) => getTask(db, userId, id),
    create: (owner: Owner, fields: TaskFields) => insertTask(db, owner, fields),
    createOnce: (owner: Owner, fields: TaskFields, claim: IdempotentCreate) => createOnce(db, owner, fields, claim),
    update: (userId: string, id: number, fields: Partial<TaskFields>, ifMatch: Precondition) => updateTask(db, userId, id, fields, ifMatch),
    setCompleted: (userId: string, id: number, completed: boolean | undefined, ifMatch: Precondition) => setCompleted(db, userId, id, completed, ifMatch),
    remove: (userId: string, id: number, ifMatch: Precondition) => removeTask(db, userId, id, ifMatch),
  };
}
