import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestFingerprint } from '../../src/tasks/fingerprint.js';

describe('request fingerprints', () => {
  it('when two bodies differ only in the order of their fields, at any depth, then they are the same request', () => {
    assert.equal(requestFingerprint({ title: 'a', tags: ['x'], d: { b: 1, a: 2 } }), requestFingerprint({ d: { a: 2, b: 1 }, tags: ['x'], title: 'a' }));
  });

  it('when a value, an array order or a field differs, then they are different requests', () => {
    const base = requestFingerprint({ title: 'a', tags: ['x', 'y'] });
    for (const other of [{ title: 'b', tags: ['x', 'y'] }, { title: 'a', tags: ['y', 'x'] }, { title: 'a', tags: ['x', 'y'], priority: 'low' }, { title: 'a' }]) {
      assert.notEqual(requestFingerprint(other), base, JSON.stringify(other));
    }
  });
});
