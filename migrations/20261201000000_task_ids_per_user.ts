// Task ids count each user's own tasks, instead of one counter for the whole table, whose ids let any
// user count everyone's creates. users.last_task_id holds a user's last id; the create statement takes the
// next one as it records the owner. Ids still stop at 2^53 − 1, where JSON numbers stop being exact.
// Idempotency keys keep the task as first created, as JSON text (json keeps it byte for byte; jsonb would
// reorder its keys), and no longer anything of HTTP (status, Location): the handler derives those.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table users add column last_task_id bigint not null default 0
      check (last_task_id between 0 and 9007199254740991);
    update users set last_task_id = coalesce((select max(id) from tasks where tasks.user_id = users.id), 0);
    alter table tasks alter column id drop identity;
    alter table tasks add constraint tasks_id_range check (id between 1 and 9007199254740991);

    alter table idempotency_keys drop column status, drop column location;
    alter table idempotency_keys rename column response to task;
    alter table idempotency_keys alter column task type json using task::json;
  `);
}

export async function down(knex: Knex): Promise<void> {
  const { rows } = await knex.raw<{ rows: Array<{ next: number }> }>('select coalesce(max(id), 0) + 1 as next from tasks');
  const next = rows[0]!.next;
  await knex.raw(`
    alter table idempotency_keys alter column task type jsonb using task::jsonb;
    alter table idempotency_keys rename column task to response;
    alter table idempotency_keys add column status smallint, add column location text;

    alter table tasks drop constraint tasks_id_range;
    alter table tasks alter column id add generated always as identity (start with ${Number(next)} maxvalue 9007199254740991);
    alter table users drop column last_task_id;
  `);
}
