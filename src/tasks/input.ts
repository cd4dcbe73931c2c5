// Turns a validated request body into repository fields. Validation already happened against openapi.yaml;
// this fills in a create's defaults (which openapi.yaml states in words: as `default:` keywords, client
// generators would make each such field required), trims the title and tags, merges tags equal after
// trimming, and parses due dates.
import type { TaskFields } from './task.js';
import type { components } from '../contract/schema.js';

type TaskCreate = components['schemas']['TaskCreate'];
type TaskUpdate = components['schemas']['TaskUpdate'];

/** What a create leaves out, as openapi.yaml's TaskCreate describes it. */
export const CREATE_DEFAULTS = { description: null, completed: false, priority: 'medium', tags: [], due_date: null } as const;

export function normalizeTaskCreate(body: TaskCreate): TaskFields {
  return {
    title: body.title.trim(),
    description: body.description ?? CREATE_DEFAULTS.description,
    completed: body.completed ?? CREATE_DEFAULTS.completed,
    priority: body.priority ?? CREATE_DEFAULTS.priority,
    tags: normalizeTags(body.tags ?? CREATE_DEFAULTS.tags),
    due_date: toDate(body.due_date ?? CREATE_DEFAULTS.due_date),
  };
}

export function normalizeTaskUpdate(body: TaskUpdate): Partial<TaskFields> {
  const fields: Partial<TaskFields> = {};
  if (body.title !== undefined) fields.title = body.title.trim();
  if (body.description !== undefined) fields.description = body.description;
  if (body.completed !== undefined) fields.completed = body.completed;
  if (body.priority !== undefined) fields.priority = body.priority;
  if (body.tags !== undefined) fields.tags = normalizeTags(body.tags);
  if (body.due_date !== undefined) fields.due_date = toDate(body.due_date);
  return fields;
}

export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim()))];
}

function toDate(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}
