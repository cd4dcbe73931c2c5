// The ordered list of migrations. Listing them in code (rather than scanning the folder) lets the same names
// run from TypeScript in development and from compiled JavaScript in production; knex records these names.
import type { Knex } from 'knex';
import * as createUsersAndTasks from './20261121000000_create_users_and_tasks.js';

export const migrations: Readonly<Record<string, Knex.Migration>> = {
  '20261121000000_create_users_and_tasks': createUsersAndTasks,
};
