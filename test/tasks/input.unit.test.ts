import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeTaskCreate, normalizeTaskUpdate, normalizeTags } from '../../src/tasks/input.js';

describe('task input normalization', () => {
  it('when tags differ only by surrounding white space, then they merge, keeping first-seen order', () => {
    assert.deepEqual(normalizeTags([' b', 'a', 'b ', '\u00a0a\u2003']), ['b', 'a']);
  });

  it('when a task is created, then the title is trimmed and the due date parsed', () => {
    const fields = normalizeTaskCreate({
      title: '\t Title \n', description: null, completed: false, priority: 'low', tags: [], due_date: '2026-01-01T10:00:00+02:00',
    });
    assert.equal(fields.title, 'Title');
    assert.equal(fields.due_date?.toISOString(), '2026-01-01T08:00:00.000Z');
    assert.deepEqual(fields.tags, []);
  });

  it('when an update leaves fields out, then they are absent (kept), and null clears', () => {
    assert.deepEqual(normalizeTaskUpdate({ description: null }), { description: null });
    assert.deepEqual(normalizeTaskUpdate({ due_date: null, title: ' x ' }), { due_date: null, title: 'x' });
  });
});
