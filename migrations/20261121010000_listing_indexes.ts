// Listing at scale.
// - Timestamps are stored to the millisecond: a page cursor carries them through JavaScript, whose dates have
//   millisecond precision; with microseconds in the table, rows in the same millisecond could be skipped.
// - Tag filters and search are served by GIN indexes that lead with user_id (btree_gin), so a lookup only
//   touches the user's own rows; search uses trigrams (pg_trgm), which serve ILIKE '%…%'.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create extension if not exists pg_trgm;
    create extension if not exists btree_gin;

    alter table tasks
      alter column created_at type timestamptz(3),
      alter column updated_at type timestamptz(3),
      alter column completed_at type timestamptz(3),
      alter column due_date type timestamptz(3);
    alter table users
      alter column created_at type timestamptz(3),
      alter column updated_at type timestamptz(3);

    create index tasks_user_tags on tasks using gin (user_id, tags);
    create index tasks_user_title_trgm on tasks using gin (user_id, title gin_trgm_ops);
    create index tasks_user_description_trgm on tasks using gin (user_id, description gin_trgm_ops);
  `);
}

// The extensions stay: other schemas in the database may use them, and they cost nothing unused.
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index tasks_user_description_trgm;
    drop index tasks_user_title_trgm;
    drop index tasks_user_tags;
    alter table users
      alter column created_at type timestamptz,
      alter column updated_at type timestamptz;
    alter table tasks
      alter column created_at type timestamptz,
      alter column updated_at type timestamptz,
      alter column completed_at type timestamptz,
      alter column due_date type timestamptz;
  `);
}
