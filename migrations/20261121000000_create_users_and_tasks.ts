// The first schema: users (upserted from token claims) and their tasks. CHECK constraints mirror the contract's
// limits so that no path around the API can store what the API would refuse; lengths are code points
// (char_length), as in the validator. The primary key leads with user_id: every lookup is by (user, id), and
// a distributed PostgreSQL (Citus) can shard both tables by user.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create type task_priority as enum ('low', 'medium', 'high');

    create function task_tags_valid(tags text[]) returns boolean
      language sql immutable strict parallel safe
      as $$
        select coalesce(bool_and(t is not null and char_length(t) between 1 and 50 and btrim(t) <> ''), true)
           and count(distinct t) = count(*)
        from unnest(tags) as t
      $$;

    create table users (
      id         text primary key check (char_length(id) between 1 and 255),
      email      text check (char_length(email) <= 320),
      name       text check (char_length(name) <= 200),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table tasks (
      user_id      text not null references users (id) on delete cascade,
      -- JSON numbers are exact below 2^53, so ids stop there.
      id           bigint generated always as identity (maxvalue 9007199254740991),
      title        text not null check (char_length(title) between 1 and 200 and btrim(title) <> ''),
      description  text check (char_length(description) <= 1000),
      completed    boolean not null default false,
      completed_at timestamptz,
      priority     task_priority not null default 'medium',
      tags         text[] not null default '{}' check (cardinality(tags) <= 20 and task_tags_valid(tags)),
      due_date     timestamptz,
      created_at   timestamptz not null default now(),
      updated_at   timestamptz not null default now(),
      primary key (user_id, id),
      constraint tasks_completed_at_matches check (completed = (completed_at is not null))
    );

    -- One index per sort key, each leading with user_id and ending with id (the tie-break), so a user's list
    -- is read in order from the index without touching other users' rows or sorting.
    create index tasks_user_created  on tasks (user_id, created_at, id);
    create index tasks_user_updated  on tasks (user_id, updated_at, id);
    create index tasks_user_title    on tasks (user_id, lower(title) collate "C", id);
    create index tasks_user_priority on tasks (user_id, priority, id);
    -- Tasks without a due date come last in both directions, so each direction gets its own index.
    create index tasks_user_due_asc  on tasks (user_id, due_date asc nulls last, id asc);
    create index tasks_user_due_desc on tasks (user_id, due_date desc nulls last, id desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table tasks;
    drop table users;
    drop function task_tags_valid(text[]);
    drop type task_priority;
  `);
}
