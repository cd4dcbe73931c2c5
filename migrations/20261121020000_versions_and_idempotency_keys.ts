// Concurrency control and safe retries.
// - tasks.version counts writes; a task's ETag is its version. (updated_at cannot serve: two writes in one
//   millisecond would share it, and If-Match would let the second overwrite the first.)
// - idempotency_keys remembers, per user and key, the first response to a POST for 24 hours, so a retry
//   on any instance gets that response instead of a second task. No foreign key to users: a user's first
//   request claims its key before the user row exists, and keys expire on their own.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table tasks add column version integer not null default 1;

    create table idempotency_keys (
      user_id      text not null,
      key          text not null check (char_length(key) between 1 and 255),
      request_hash text not null,
      status       smallint,
      response     jsonb,
      location     text,
      created_at   timestamptz(3) not null default now(),
      primary key (user_id, key)
    );
    create index idempotency_keys_user_created on idempotency_keys (user_id, created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table idempotency_keys;
    alter table tasks drop column version;
  `);
}
