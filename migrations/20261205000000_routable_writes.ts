// Two functions that let every write be routed by Citus (a distributed PostgreSQL) to the one shard of its
// user, with the same SQL on plain PostgreSQL:
// - claim_task_id(user, email, name) records the owner (their row holds the last id they were given) and
//   returns the next task id. A create is then an INSERT into tasks alone: Citus evaluates the function (one
//   statement on the owner's shard) and routes the insert, where it refused the subquery of the
//   data-modifying CTE the create used before. The owner's profile (and updated_at) changes only when the
//   token's claims do.
// - task_completed_at(completed, previous, at) is when a task was completed, or null. Citus refuses now()
//   inside CASE or COALESCE in an UPDATE; passed as an argument, it is evaluated once, before routing. It
//   is PL/pgSQL so that the planner never inlines it back into a CASE, and it runs on the workers (the
//   distributing migration puts it there).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function claim_task_id(owner text, owner_email text, owner_name text) returns bigint
      language sql volatile
      as $$
        insert into users as u (id, email, name, last_task_id) values (owner, owner_email, owner_name, 1)
        on conflict (id) do update
          set last_task_id = u.last_task_id + 1,
              email = coalesce(excluded.email, u.email),
              name = coalesce(excluded.name, u.name),
              updated_at = case
                when (u.email, u.name) is distinct from (coalesce(excluded.email, u.email), coalesce(excluded.name, u.name))
                then excluded.updated_at else u.updated_at end
        returning last_task_id
      $$;

    create function task_completed_at(completed boolean, previous timestamptz, at timestamptz) returns timestamptz
      language plpgsql immutable parallel safe
      as $$ begin return case when completed then coalesce(previous, at) end; end $$;
  `);
}

// One statement per call: Citus passes the text of a statement on a distributed function to the workers.
export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function task_completed_at(boolean, timestamptz, timestamptz)');
  await knex.raw('drop function claim_task_id(text, text, text)');
}
