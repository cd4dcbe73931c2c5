// A migration runs only if migrations/index.ts lists it: a file that is not there would never be applied.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { migrations } from '../../migrations/index.js';

describe('the migration list', () => {
  it('when a file is in migrations/, then it is registered under its name, in the order of the names, and nothing else is', async () => {
    const files = (await readdir(new URL('../../migrations/', import.meta.url)))
      .filter((file) => /^\d{14}_.*\.ts$/.test(file)) // beside them: the list (index.ts) and its runner (migrate.ts)
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    assert.deepEqual(Object.keys(migrations), files);
    for (const [name, migration] of Object.entries(migrations)) {
      assert.equal(typeof migration.up, 'function', `${name} has up`);
      assert.equal(typeof migration.down, 'function', `${name} has down`);
    }
  });
});
