import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeTaskCreate, normalizeTaskUpdate, normalizeTags } from '../../src/api/task-input.js';
import { isDatabaseUnavailable } from '../../src/db/errors.js';
import { findIllFormedStrings } from '../../src/http/body.js';

describe('findIllFormedStrings', () => {
  it('when strings are well-formed (emoji included), then nothing is found', () => {
    assert.deepEqual(findIllFormedStrings({ a: '😀', b: ['ok', { c: 'é' }], n: 1, z: null }, 'body'), []);
  });

  it('when U+0000 or a lone surrogate appears in a value or a key at any depth, then each is reported with its pointer', () => {
    assert.deepEqual(findIllFormedStrings({ t: 'a\u0000', tags: ['ok', '\ud83d'], 'k\u0000': 1, 'x/y': { '~': '\udc00' } }, 'body'), [
      { in: 'body', field: '/t', message: 'must not contain U+0000' },
      { in: 'body', field: '/tags/1', message: 'must not contain a lone UTF-16 surrogate' },
      { in: 'body', field: '/k\u0000', message: 'has a name with U+0000 or a lone UTF-16 surrogate' },
      { in: 'body', field: '/x~1y/~0', message: 'must not contain a lone UTF-16 surrogate' },
    ]);
  });

  it('when a body is nested deeply, then the scan does not overflow the stack', () => {
    let deep: unknown = 'bottom\u0000';
    for (let i = 0; i < 50_000; i++) deep = [deep];
    assert.equal(findIllFormedStrings(deep, 'body').length, 1);
  });
});

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

describe('isDatabaseUnavailable', () => {
  it('when the error is a refused connection, a pool timeout, an admin shutdown or a dropped connection, then yes', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      assert.equal(isDatabaseUnavailable(error), true, String(error));
    }
  });

  it('when the error is a bug or a constraint, then no', () => {
    for (const error of [new Error('x is undefined'), Object.assign(new Error('check'), { code: '23514' }), Object.assign(new Error('syntax'), { code: '42601' }), null, 'text']) {
      assert.equal(isDatabaseUnavailable(error), false, String(error));
    }
  });
});
