// `npm test [-- files or folders]`: runs the suite with node's test runner against TEST_DATABASE_URL (or
// DATABASE_URL) when set, otherwise against a throwaway embedded PostgreSQL started here for the whole run.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseUrl, testProcessEnv } from '../test/support/settings.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { EmbeddedPostgresMissing } from '../src/db/embedded-missing.js';
import { createDb } from '../src/db/knex.js';
import { migrateLatest } from '../migrations/migrate.js';

async function testFiles(roots: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const root of roots) {
    if (root.endsWith('.test.ts')) files.push(root);
    else {
      const entries = await readdir(root, { recursive: true });
      files.push(...entries.filter((e) => e.endsWith('.test.ts')).map((e) => join(root, e)));
    }
  }
  return files.sort();
}

const startedAt = Date.now();
const files = await testFiles(process.argv.length > 2 ? process.argv.slice(2) : ['test']);
// Unit tests (*.unit.test.ts, beside the other tests of their feature) are pure: a run of them alone starts
// no database.
const needsDatabase = files.some((file) => !file.endsWith('.unit.test.ts'));
let url = needsDatabase ? testDatabaseUrl() : undefined;
let stopEmbedded = async () => {};
if (!needsDatabase) {
  console.log('Unit tests only: no database.');
} else if (url) {
  console.log(`Testing against ${new URL(url).host} (TEST_DATABASE_URL/DATABASE_URL).`);
} else {
  const dir = await mkdtemp(join(tmpdir(), 'tasks-api-test-'));
  const embedded = await startEmbeddedPostgres(dir, { info: console.log, debug: () => {} }, { persistent: false }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    if (!(error instanceof EmbeddedPostgresMissing)) throw error;
    console.error(`${error.message} (TEST_DATABASE_URL works too.)`);
    process.exit(1);
  });
  url = embedded.url;
  stopEmbedded = async () => {
    await embedded.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

let code = 1;
try {
  if (url) {
    const db = createDb(url, { bounds: false });
    await migrateLatest(db);
    await db.destroy();
  }
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-force-exit', '--test-timeout=300000', ...files], {
    stdio: 'inherit',
    env: testProcessEnv(url),
  });
  code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 1)));
} finally {
  await stopEmbedded();
}
// Beside the runner's own summary, the whole run's time, the database's start and migrations included.
const seconds = Math.round((Date.now() - startedAt) / 1000);
console.log(`ℹ suite wall time ${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s (${files.length} files)`);
process.exit(code);
