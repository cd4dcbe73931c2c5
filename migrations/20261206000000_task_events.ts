// Every committed change to a task is recorded as an event, in the same statement as the change, by a
// trigger: created, updated (completion included) and deleted, each with the user's next event number
// (users.last_event_seq) and, but for a delete, the task as it then was, written as the API writes it. A
// write that fails or rolls back leaves no event; each committed one leaves exactly one. Streams and delta
// sync read the events by number. Taking the number locks the user's row until commit, so a user's events
// commit in the order of their numbers and a reader that has seen number n has seen everything before it.
// Events older than a day are removed as the user writes (at least a day of them is kept).
// The same trigger keeps the user's task and completed counts, so a summary reads them from one row. A
// user's events go with the user.
// On Citus the trigger runs on the shard, writing the user's co-located users and task_events shards.
import type { Knex } from 'knex';
import { distribute, prepareMigration, undistribute } from '../src/db/citus.js';

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
  // The deltas go into variables first: Citus passes a statement's PL/pgSQL values on to the shard as
  // parameters, and mixed up those of CASE expressions over NEW and OLD.
  await knex.raw(`create function task_changed() returns trigger language plpgsql as $$
    declare
      changed tasks;
      kind text;
      tasks_delta integer;
      completed_delta integer;
      number bigint;
      snapshot json;
    begin
      if tg_op = 'DELETE' then
        changed := old; kind := 'deleted'; tasks_delta := -1;
        completed_delta := case when old.completed then -1 else 0 end;
      elsif tg_op = 'INSERT' then
        changed := new; kind := 'created'; tasks_delta := 1;
        completed_delta := case when new.completed then 1 else 0 end;
      else
        changed := new; kind := 'updated'; tasks_delta := 0;
        completed_delta := (case when new.completed then 1 else 0 end) - (case when old.completed then 1 else 0 end);
      end if;
      if tg_op <> 'DELETE' then
        snapshot := json_build_object(
          'id', changed.id, 'user_id', changed.user_id, 'title', changed.title, 'description', changed.description,
          'completed', changed.completed, 'priority', changed.priority, 'tags', changed.tags,
          'due_date', to_char(changed.due_date at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'completed_at', to_char(changed.completed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'created_at', to_char(changed.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'updated_at', to_char(changed.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
      end if;
      update users set
        last_event_seq = last_event_seq + 1,
        task_count = task_count + tasks_delta,
        completed_count = completed_count + completed_delta
      where id = changed.user_id
      returning last_event_seq into number;
      if number is null then
        return null; -- the user is being deleted, their events with them
      end if;
      delete from task_events where user_id = changed.user_id and at < now() - interval '1 day';
      insert into task_events (user_id, seq, kind, task_id, version, task)
      values (changed.user_id, number, kind, changed.id, changed.version, snapshot);
      return null;
    end
  $$`);
  await knex.raw('create trigger tasks_changed after insert or update or delete on tasks for each row execute function task_changed()');
  await distribute(knex);
}

export async function down(knex: Knex): Promise<void> {
  await prepareMigration(knex);
  await undistribute(knex, ['task_events']);
  await knex.raw('drop trigger tasks_changed on tasks');
  await knex.raw('drop function task_changed()');
  await knex.raw('drop index tasks_user_pending_due');
  await knex.raw('drop table task_events');
  await knex.raw('alter table users drop column last_event_seq, drop column task_count, drop column completed_count');
}
