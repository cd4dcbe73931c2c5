import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtStatements, MAX_NAME_BYTES, statement } from '../../src/db/statement.js';
import { everyListStatement } from '../../src/tasks/list.sql.js';
import { everyWriteStatement } from '../../src/tasks/writes.sql.js';
import '../../src/tasks/idempotency.sql.js'; // builds the fixed statements of every task SQL module (list and writes above)

describe('named statements', () => {
  it('when every write shape is built, then each has a name of its own, short enough that PostgreSQL keeps it whole', () => {
    const shapes = [...everyWriteStatement()];
    const names = new Set(shapes.map((s) => s.name));
    const texts = new Set(shapes.map((s) => s.text));
    assert.equal(texts.size, shapes.length, 'every shape is a different statement');
    assert.equal(names.size, shapes.length, 'and so has a different name');
    for (const [name, { text }] of builtStatements()) {
      assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES, `${name} is longer than PostgreSQL keeps`);
      // Names that only differ after byte 63 are one name to PostgreSQL.
      const cut = Buffer.from(name).subarray(0, MAX_NAME_BYTES).toString();
      const twins = [...builtStatements()].filter(([other]) => Buffer.from(other).subarray(0, MAX_NAME_BYTES).toString() === cut);
      assert.deepEqual(twins.map(([other]) => other), [name], `${name} collides once cut`);
      assert.ok(text.length > 0);
    }
  });

  it('when every list shape is built, then each has a name of its own for a text of its own', () => {
    const shapes = [...everyListStatement()];
    assert.equal(new Set(shapes.map((s) => s.text)).size, shapes.length, 'every shape is a different statement');
    assert.equal(new Set(shapes.map((s) => s.name)).size, shapes.length, 'and so has a different name');
    for (const { name } of shapes) assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES, `${name} is longer than PostgreSQL keeps`);
  });

  it('when a name is longer than PostgreSQL keeps, then it is refused before it reaches a connection', () => {
    assert.throws(() => statement(`test.${'x'.repeat(MAX_NAME_BYTES)}`, () => 'select 1'), /longer than 63 bytes/);
  });
});
