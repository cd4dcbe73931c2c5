import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangeHub, type ChangeSource, type Subscriber } from '../../src/sync/hub.js';
import type { TaskChange } from '../../src/tasks/task.js';
import { until } from '../support/until.js';

const change = (seq: number): TaskChange => ({ seq, kind: 'created', taskId: seq, version: 1, task: null });

/** A change log of one user's three changes, whose reads wait until `open()`; it counts reads at once. */
function gatedSource() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let reading = 0;
  let mostAtOnce = 0;
  const read = async <T>(value: T): Promise<T> => {
    mostAtOnce = Math.max(mostAtOnce, ++reading);
    await gate;
    reading--;
    return value;
  };
  const source: ChangeSource = {
    lastChanges: (userIds) => read(new Map(userIds.map((id) => [id, 3]))),
    changesAfter: (_userId, after) => read([1, 2, 3].filter((seq) => seq > after).map(change)),
  };
  return { source, open, mostAtOnce: () => mostAtOnce };
}

function subscriber(userId: string): Subscriber & { got: number[] } {
  return {
    userId,
    position: 0,
    ready: true,
    got: [],
    deliver(changes) {
      this.got.push(...changes.map((c) => c.seq));
      this.position = changes.at(-1)?.seq ?? this.position;
    },
    resync: () => assert.fail('nothing was removed from the log'),
    end: () => {},
  };
}

describe('the change hub', () => {
  it('when streams open while a look is under way, then the hub looks once at a time and each stream gets each change once', async () => {
    const { source, open, mostAtOnce } = gatedSource();
    const hub = new ChangeHub(source, { pollMs: 60_000, pageSize: 100, health: { unavailable: () => {} }, log: { error: () => {} } });
    const first = subscriber('u');
    hub.add(first);
    await until(() => mostAtOnce() === 1); // the first look waits on its read
    const second = subscriber('u');
    hub.add(second); // asks for a look at once, while the first is still reading
    await new Promise((resolve) => setTimeout(resolve, 20));
    open();
    await until(() => first.got.length >= 3 && second.got.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the look asked for during the first one
    await hub.close();
    assert.deepEqual(first.got, [1, 2, 3]);
    assert.deepEqual(second.got, [1, 2, 3]);
    assert.equal(mostAtOnce(), 1, 'one read at a time');
  });
});
