// What sync reads and writes: the change log, the counts, the bulk actions. Every method takes the owner's id
// first, as every task statement does; the hub alone asks about several users at once.
import type { Knex } from 'knex';
import type { ListFilters } from '../tasks/task.js';
import { deleteCompleted, setCompletedWhere, summary } from './bulk.sql.js';
import { changesAfter, lastChange, lastChanges } from './changes.sql.js';

export type SyncRepository = ReturnType<typeof createSyncRepository>;

export function createSyncRepository(db: Knex) {
  return {
    summary: (userId: string) => summary(db, userId),
    setCompletedWhere: (userId: string, filters: ListFilters, completed: boolean) => setCompletedWhere(db, userId, filters, completed),
    deleteCompleted: (userId: string) => deleteCompleted(db, userId),
    lastChange: (userId: string) => lastChange(db, userId),
    changesAfter: (userId: string, after: number, limit: number) => changesAfter(db, userId, after, limit),
    /** For a process watching several users' changes (not a request's statement: it names several users). */
    lastChanges: (userIds: readonly string[]) => lastChanges(db, userIds),
  };
}
