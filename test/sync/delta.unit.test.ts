import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collapse, missed } from '../../src/sync/delta.js';
import type { Task, TaskChange } from '../../src/tasks/task.js';

const task = (id: number, title: string) => ({ id, title }) as Task;
const change = (seq: number, kind: TaskChange['kind'], taskId: number, title?: string): TaskChange =>
  ({ seq, kind, taskId, version: seq, task: kind === 'deleted' ? null : task(taskId, title!) });

describe('collapse', () => {
  it('when a task changes several times, then it comes once, as it last was, in the order of last changes', () => {
    const result = collapse([change(1, 'created', 1, 'a'), change(2, 'created', 2, 'b'), change(3, 'updated', 1, 'a2')]);
    assert.deepEqual(result, { changed: [task(2, 'b'), task(1, 'a2')], deleted: [] });
  });

  it('when a task is deleted, then only its id comes, even if it was created in the same page', () => {
    assert.deepEqual(collapse([change(1, 'created', 3, 'c'), change(2, 'updated', 4, 'd'), change(3, 'deleted', 3)]), { changed: [task(4, 'd')], deleted: [3] });
  });
});

describe('missed', () => {
  it('when the first change kept is the next one, or nothing is newer, then nothing was missed', () => {
    assert.equal(missed(5, 6, 9), false);
    assert.equal(missed(5, undefined, 5), false);
    assert.equal(missed(0, 1, 1), false);
  });

  it('when changes after the cursor were removed, then they were missed', () => {
    assert.equal(missed(5, 8, 9), true);
    assert.equal(missed(5, undefined, 7), true);
  });
});
