// Turns a validated request body into repository fields. Validation already happened against openapi.yaml
// (including defaults); this only normalizes: trims the title and tags, merges tags equal after trimming, and
// parses due dates.
import type { TaskFields } from '../domain/tasks.js';
import type { components } from '../contract/schema.js';

/** A create body after validation: the validator has filled in openapi.yaml's defaults. */
type TaskCreate = Required<components['schemas']['TaskCreate']>;
type TaskUpdate = components['schemas']['TaskUpdate'];

export function normalizeTaskCreate(validated: components['schemas']['TaskCreate']): TaskFields {
  const body = validated as TaskCreate;
  return {
    title: body.title.trim(),
    description: body.description,
    completed: body.completed,
    priority: body.priority,
    tags: normalizeTags(body.tags),
    due_date: toDate(body.due_date),
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
