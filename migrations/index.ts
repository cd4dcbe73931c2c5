// The ordered list of migrations. Listing them in code (rather than scanning the folder) lets the same names
// run from TypeScript in development and from compiled JavaScript in production; knex records these names.
import type { Knex } from 'knex';
import * as createUsersAndTasks from './20261121000000_create_users_and_tasks.js';
import * as listingIndexes from './20261121010000_listing_indexes.js';
import * as versionsAndIdempotencyKeys from './20261121020000_versions_and_idempotency_keys.js';
import * as taskIdsPerUser from './20261201000000_task_ids_per_user.js';
import * as routableWrites from './20261205000000_routable_writes.js';
import * as distributeByUser from './20261205010000_distribute_by_user.js';
import * as taskEvents from './20261206000000_task_events.js';
import * as changeLogKeptByCount from './20261207000000_change_log_kept_by_count.js';

export const migrations: Readonly<Record<string, Knex.Migration>> = {
  '20261121000000_create_users_and_tasks': createUsersAndTasks,
  '20261121010000_listing_indexes': listingIndexes,
  '20261121020000_versions_and_idempotency_keys': versionsAndIdempotencyKeys,
  '20261201000000_task_ids_per_user': taskIdsPerUser,
  '20261205000000_routable_writes': routableWrites,
  '20261205010000_distribute_by_user': distributeByUser,
  '20261206000000_task_events': taskEvents,
  '20261207000000_change_log_kept_by_count': changeLogKeptByCount,
};
