// migrations/schema.sql is what the migrations make: a fresh database migrated here reads the same, and so
// does the suite's own database, which the test runner migrated (on Citus, with its tables distributed).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { createDb } from '../../src/db/knex.js';
import { freshSchemaSnapshot, SCHEMA_FILE, schemaSnapshot } from '../../migrations/schema-snapshot.js';
import { testDatabaseUrl } from '../support/settings.js';

/** Fails with the lines that differ and the command that brings the file up to date. */
async function assertCommitted(actual: string, what: string): Promise<void> {
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  if (actual === committed) return;
  assert.fail(`migrations/schema.sql is not the schema ${what}: run \`npm run db:schema\` and commit it.\n${diff(committed, actual)}`);
}

/** One hunk from the first differing line to the last, with two lines of context: enough to see what changed. */
function diff(expected: string, actual: string): string {
  const [a, b] = [expected.split('\n'), actual.split('\n')];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const context = (lines: string[]) => lines.map((line) => `  ${line}`);
  return [
    `@@ line ${start + 1} (- in the file, + from the migrations) @@`,
    ...context(a.slice(Math.max(0, start - 2), start)),
    ...a.slice(start, a.length - end).map((line) => `- ${line}`),
    ...b.slice(start, b.length - end).map((line) => `+ ${line}`),
    ...context(a.slice(a.length - end, a.length - end + 2)),
  ].join('\n');
}

describe('the schema snapshot', () => {
  it('when the migrations run on a fresh database, then its schema is migrations/schema.sql', async () => {
    await assertCommitted(await freshSchemaSnapshot(testDatabaseUrl()!), 'of a fresh migrate');
  });

  it("when the suite's database has been migrated (and distributed, on Citus), then its schema is migrations/schema.sql too", async () => {
    const db = createDb(testDatabaseUrl()!, { bounds: false, poolMax: 1 });
    try {
      await assertCommitted(await schemaSnapshot(db), "of the suite's database");
    } finally {
      await db.destroy();
    }
  });
});
