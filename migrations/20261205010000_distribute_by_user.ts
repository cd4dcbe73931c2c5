// On Citus (a distributed PostgreSQL), the tables are distributed by user and co-located (src/db/citus.ts):
// a user's row, their tasks and their idempotency keys live on one shard. Without the citus extension this
// does nothing; a database that moves to Citus later is distributed by `npm run db:distribute`.
import type { Knex } from 'knex';
import { distribute, prepareMigration, undistribute } from '../src/db/citus.js';

export async function up(knex: Knex): Promise<void> {
  // Later migrations of the same batch (one transaction) create functions, which Citus allows only when
  // everything before them in the transaction used one connection per node: copying rows in parallel does not.
  await prepareMigration(knex);
  await distribute(knex);
}

// Back to plain tables on the coordinator (their rows included); still a no-op without Citus.
export async function down(knex: Knex): Promise<void> {
  await undistribute(knex, ['idempotency_keys', 'tasks', 'users']);
}
