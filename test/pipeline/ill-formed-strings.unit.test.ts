import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findIllFormedStrings } from '../../src/pipeline/checks.js';

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
