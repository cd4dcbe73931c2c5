// Every committed change to a task is recorded as an event, in the same statement as the change, by
// triggers: created, updated (completion included) and deleted, each with the user's next event number
// (users.last_event_seq) and, but for a delete, the task as it then was, written as the API writes it. A
// write that fails or rolls back leaves no event; each committed one leaves exactly one. Streams and delta
// sync read the events by number. Taking the number locks the user's row until commit, so a user's events
// commit in the order of their numbers and a reader that has seen number n has seen everything before it.
// Events older than a day are removed as the user writes (at least a day of them is kept).
// The same triggers keep the user's task and completed counts, so a summary reads them from one row. A
// user's events go with the user.
// On Citus the triggers run on the shard, writing the user's co-located users and task_events shards.
import type { Knex } from 'knex';
import { distribute, prepareMigration } from '../src/db/citus.js';

export async function up(knex: Knex): Promise<void> {
  await prepareMigration(knex);
  await knex.raw(`alter table users
    add column last_event_seq bigint not null default 0,
    add column task_count integer not null default 0,
    add column completed_count integer not null default 0`);
  await knex.raw(`update users set
    task_count = (select count(*) from tasks where tasks.user_id = users.id),
    completed_count = (select count(*) from tasks where tasks.user_id = users.id and tasks.completed)`);
  await knex.raw(`create table task_events (
    user_id  text not null,
    seq      bigint not null,
    at       timestamptz(3) not null default now(),
    kind     text not null check (kind in ('created', 'updated', 'deleted')),
    task_id  bigint not null,
    version  integer not null,
    task     json,
    primary key (user_id, seq),
    foreign key (user_id) references users (id) on delete cascade
  )`);
  await knex.raw('create index task_events_user_at on task_events (user_id, at)');
  // Overdue pending tasks, for the summary: a range of this index, not a count of all of a user's tasks.
  await knex.raw('create index tasks_user_pending_due on tasks (user_id, due_date) where not completed');
  // Takes `events` numbers for the owner, moves their counts, and trims their log; returns the number
  // before the first (null when the user is being deleted, their events with them). The user's row is
  // written once per statement: a row written once per task would make a bulk action on many tasks cost
  // the square of their number (each new version of the row is found at the end of the chain of the
  // versions the same transaction wrote before).
  await knex.raw(`create function task_events_claim(owner text, events bigint, tasks_delta bigint, completed_delta bigint)
    returns bigint language plpgsql as $$
    declare
      number bigint;
    begin
      update users set
        last_event_seq = last_event_seq + events,
        task_count = task_count + tasks_delta,
        completed_count = completed_count + completed_delta
      where id = owner
      returning last_event_seq - events into number;
      if number is not null then
        delete from task_events where user_id = owner and at < now() - interval '1 day';
      end if;
      return number;
    end
  $$`);
  // Triggers per statement, each with the rows it changed (transition tables allow one kind of statement
  // per trigger). Every value goes into a variable before a statement uses it: Citus passes PL/pgSQL
  // values on to the shard as parameters, and routes a statement only when its user is one.
  await knex.raw(`create function tasks_written() returns trigger language plpgsql as $$
    declare
      owner text; events bigint; done bigint; number bigint; task_id bigint; version integer; snapshot json;
    begin
      for owner, events, done in select user_id, count(*), count(*) filter (where completed) from new_rows group by user_id loop
        if tg_op = 'UPDATE' then
          done := done - (select count(*) from old_rows where user_id = owner and completed);
        end if;
        number := task_events_claim(owner, events, case when tg_op = 'INSERT' then events else 0 end, done);
        continue when number is null;
        -- The task as the API writes it.
        for task_id, version, snapshot in
          select id, changed.version, json_build_object(
            'id', id, 'user_id', user_id, 'title', title, 'description', description,
            'completed', completed, 'priority', priority, 'tags', tags,
            'due_date', to_char(due_date at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'completed_at', to_char(completed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'created_at', to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'updated_at', to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
          from new_rows as changed where user_id = owner order by id
        loop
          number := number + 1;
          insert into task_events (user_id, seq, kind, task_id, version, task)
          values (owner, number, case when tg_op = 'INSERT' then 'created' else 'updated' end, task_id, version, snapshot);
        end loop;
      end loop;
      return null;
    end
  $$`);
  await knex.raw(`create function tasks_deleted() returns trigger language plpgsql as $$
    declare
      owner text; events bigint; done bigint; number bigint; task_id bigint; version integer;
    begin
      for owner, events, done in select user_id, count(*), count(*) filter (where completed) from old_rows group by user_id loop
        number := task_events_claim(owner, events, -events, -done);
        continue when number is null;
        for task_id, version in select id, gone.version from old_rows as gone where user_id = owner order by id loop
          number := number + 1;
          insert into task_events (user_id, seq, kind, task_id, version, task)
          values (owner, number, 'deleted', task_id, version, null);
        end loop;
      end loop;
      return null;
    end
  $$`);
  await knex.raw(`create trigger tasks_inserted after insert on tasks referencing new table as new_rows
    for each statement execute function tasks_written()`);
  await knex.raw(`create trigger tasks_updated after update on tasks referencing old table as old_rows new table as new_rows
    for each statement execute function tasks_written()`);
  await knex.raw(`create trigger tasks_deleted after delete on tasks referencing old table as old_rows
    for each statement execute function tasks_deleted()`);
  await distribute(knex);
}

export async function down(knex: Knex): Promise<void> {
  await prepareMigration(knex);
  // Dropped where it is (undistributing it first would undistribute users and tasks with it, through its key).
  for (const kind of ['inserted', 'updated', 'deleted']) await knex.raw(`drop trigger tasks_${kind} on tasks`);
  await knex.raw('drop function tasks_written()');
  await knex.raw('drop function tasks_deleted()');
  await knex.raw('drop function task_events_claim(text, bigint, bigint, bigint)');
  await knex.raw('drop index tasks_user_pending_due');
  await knex.raw('drop table task_events');
  await knex.raw('alter table users drop column last_event_seq, drop column task_count, drop column completed_count');
}
