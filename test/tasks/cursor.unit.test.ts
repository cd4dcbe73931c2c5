import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCursorCodec } from '../../src/tasks/list.js';

const codec = createCursorCodec('s'.repeat(40));
const binding = { user: 'ada', sort: 'created', order: 'desc' };
const position = { value: '2026-12-01T10:00:00.000Z', id: 42 };

describe('page cursors', () => {
  it('when a cursor is decoded with its own binding, then it gives back its position, undated positions too', () => {
    assert.deepEqual(codec.decode(codec.encode(position, binding), binding), position);
    assert.deepEqual(codec.decode(codec.encode({ value: null, id: 7 }, binding), binding), { value: null, id: 7 });
  });

  it('when it is decoded for another user, sort, order or filter, then it is refused', () => {
    const cursor = codec.encode(position, binding);
    for (const other of [{ ...binding, user: 'bob' }, { ...binding, sort: 'title' }, { ...binding, order: 'asc' }, { ...binding, completed: true }]) {
      assert.equal(codec.decode(cursor, other), undefined, JSON.stringify(other));
    }
  });

  it('when any character of it is changed, or it comes from another secret, then it is refused', () => {
    const cursor = codec.encode(position, binding);
    for (let i = 0; i < cursor.length; i++) {
      if (cursor[i] === '.') continue;
      const altered = `${cursor.slice(0, i)}${cursor[i] === 'A' ? 'B' : 'A'}${cursor.slice(i + 1)}`;
      assert.equal(codec.decode(altered, binding), undefined, altered);
    }
    assert.equal(createCursorCodec('t'.repeat(40)).decode(cursor, binding), undefined);
  });

  it('when it is not a cursor at all, then it is refused, never thrown on', () => {
    for (const junk of ['', '.', 'a.b.c', 'x'.repeat(500), '%%%.%%%', `${Buffer.from('[1,2,3]').toString('base64url')}.AAAA`]) {
      assert.equal(codec.decode(junk, binding), undefined, junk);
    }
  });
});
