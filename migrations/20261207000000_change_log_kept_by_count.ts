// The change log kept by count as well as by age: a user's events older than a day go, and so do all but
// their newest 10,000, as the user writes. One account toggling thousands of tasks in a loop could
// otherwise grow the log by gigabytes an hour within its request allowance; now its log stays the size of a
// busy day's, and a client that was away for longer than that resynchronises (410 from delta sync, `resync`
// on the stream), as it does after a day. Each trim is a range of the (user_id, seq) key.
import type { Knex } from 'knex';
import { prepareMigration } from '../src/db/citus.js';

const claim = (trim: string) => `create or replace function task_events_claim(owner text, events bigint, tasks_delta bigint, completed_delta bigint)
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
        ${trim}
      end if;
      return number;
    end
  $$`;

const BY_AGE = "delete from task_events where user_id = owner and at < now() - interval '1 day';";
/** The events a user keeps at most (the statement that writes more keeps its own until the next write). */
export const EVENTS_KEPT_PER_USER = 10_000;

export async function up(knex: Knex): Promise<void> {
  await prepareMigration(knex);
  await knex.raw(claim(`${BY_AGE}
        delete from task_events where user_id = owner and seq <= number + events - ${EVENTS_KEPT_PER_USER};`));
}

export async function down(knex: Knex): Promise<void> {
  await prepareMigration(knex);
  await knex.raw(claim(BY_AGE));
}
