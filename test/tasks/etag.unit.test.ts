import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagOf, namesVersion, versionsIn } from '../../src/tasks/etag.js';

describe('entity tags', () => {
  it('when a version is written as a tag, then it is quoted', () => {
    assert.equal(etagOf(3), '"3"');
  });

  it('when If-Match lists tags, then strong ones name versions, weak ones and anything else do not, and * means any', () => {
    assert.deepEqual(versionsIn('"3", W/"4", "x", "5"', 'strong'), [3, 5]);
    assert.equal(versionsIn(' * ', 'strong'), '*');
    assert.equal(versionsIn(undefined, 'strong'), undefined);
  });

  it('when If-None-Match lists tags, then weak ones count too', () => {
    assert.deepEqual(versionsIn('W/"4", "5"', 'weak'), [4, 5]);
  });

  it('when a tag is not written as this API writes versions, then it names none: comparison is exact', () => {
    assert.deepEqual(versionsIn('"01", " 1", "1.0", "+1", "0", "99999999999"', 'strong'), []);
  });

  it('when tags are compared with a version, then * names any and a list names its own', () => {
    assert.equal(namesVersion('*', 7), true);
    assert.equal(namesVersion([3, 5], 5), true);
    assert.equal(namesVersion([3, 5], 4), false);
    assert.equal(namesVersion([], 1), false);
  });
});
