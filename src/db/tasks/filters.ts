// The filters of a list, as conditions on a query of one user's tasks: the list's page and the bulk actions
// take the same ones.
import type { Knex } from 'knex';
import type { ListFilters } from '../../domain/tasks.js';

/** LIKE matches literally once its wildcards and escape character are escaped. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function applyFilters(query: Knex.QueryBuilder, filters: ListFilters): void {
  if (filters.completed !== undefined) query.where('completed', filters.completed);
  if (filters.priority !== undefined) query.where('priority', filters.priority);
  if (filters.tags?.length) query.whereRaw('tags @> ?::text[]', [filters.tags]);
  if (filters.search !== undefined) {
    const pattern = likePattern(filters.search);
    query.where((q) => {
      q.whereRaw(`title ilike ? escape '\\'`, [pattern]).orWhereRaw(`description ilike ? escape '\\'`, [pattern]);
    });
  }
  if (filters.dueBefore) query.where('due_date', '<', filters.dueBefore);
  if (filters.dueAfter) query.where('due_date', '>=', filters.dueAfter);
}

