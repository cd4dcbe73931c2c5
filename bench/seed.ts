// Tasks seeded through SQL for the benchmarks: a realistic spread of one user's tasks, ids 1 … n.
import type { Knex } from 'knex';

/**
 * Inserts `count` tasks for `userId` (whose row must exist): 30 % completed, priorities even, 0–3 tags from
 * twelve, a quarter undated, a third described, titles from a small vocabulary so that searches and ties
 * happen, created a minute apart up to now.
 */
export async function insertTasks(db: Knex, userId: string, count: number): Promise<void> {
  await db.raw(
    `insert into tasks (user_id, id, title, description, completed, completed_at, priority, tags, due_date, created_at, updated_at)
     select ?, i, initcap(w[1 + (i * 7) % 16]) || ' ' || w[1 + (i * 13) % 16] || ' #' || i,
            case when i % 3 = 0 then 'Remember the ' || w[1 + (i * 5) % 16] || ' before ' || w[1 + (i * 11) % 16] end,
            i % 10 < 3, case when i % 10 < 3 then t end,
            (array['low', 'medium', 'high'])[1 + (i * 31) % 3]::task_priority,
            (select coalesce(array_agg(distinct g[1 + (i * k * 17 + k) % 12]), '{}') from generate_series(1, i % 4) as k),
            case when i % 4 = 0 then null else t + ((i * 37) % 730 - 365) * interval '1 day' end,
            t, t
     from generate_series(1, ?) as i,
          lateral (select now() - (? - i) * interval '1 minute' as t) as times,
          (select array['milk', 'report', 'invoice', 'garden', 'email', 'dentist', 'tickets', 'laundry',
                        'taxes', 'birthday', 'groceries', 'meeting', 'car', 'plants', 'slides', 'budget'] as w,
                  array['work', 'home', 'errands', 'urgent', 'family', 'health', 'finance', 'travel',
                        'school', 'shopping', 'garden', 'music'] as g) as vocabulary`,
    [userId, count, count],
  );
}
