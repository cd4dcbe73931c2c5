// `.ci/run`'s pooled run: `tsx scripts/pooled-run.ts [postgres URL]` puts PgBouncer in transaction mode,
// with its default settings, in front of that PostgreSQL (or, without a URL, of an embedded one it starts
// for the run), then runs a representative part of the suite
// through it (every operation and status, listing, concurrency control, errors, auth, logs and metrics,
// the typed client) and a short bench:load, whose API is given nothing but PgBouncer's URL.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environment } from '../src/config/index.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createDb } from '../src/db/knex.js';
import { startPgBouncer } from '../test/support/pgbouncer.js';

const SUITE = [
  'test/contract',
  'test/tasks/create.test.ts',
  'test/tasks/update.test.ts',
  'test/tasks/patch.test.ts',
  'test/tasks/delete.test.ts',
  'test/tasks/toggle.test.ts',
  'test/tasks/list.test.ts',
  'test/tasks/concurrency.test.ts',
  'test/pipeline/errors.test.ts',
  'test/auth/bearer.test.ts',
  'test/pipeline/telemetry.test.ts',
  'test/client/client.test.ts',
];
const BENCH_DATABASE = 'tasks_bench_pooled';

function npm(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const child = spawn('npm', args, { stdio: 'inherit', env: { ...environment(), ...env } });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

let direct = process.argv[2];
let stopEmbedded = async () => {};
if (!direct) {
  const dir = await mkdtemp(join(tmpdir(), 'tasks-api-pooled-'));
  const embedded = await startEmbeddedPostgres(dir, { info: console.log, debug: () => {} }, { persistent: false });
  direct = embedded.url;
  stopEmbedded = async () => {
    await embedded.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
const bouncer = await startPgBouncer(direct);
let code = 1;
try {
  console.log(`PgBouncer (transaction mode, default settings) at 127.0.0.1:${bouncer.port} in front of ${new URL(direct).host}`);
  code = await npm(['test', '--', ...SUITE], { TEST_DATABASE_URL: `${bouncer.url()}?pgbouncer=true` });
  if (code === 0) {
    const admin = createDb(direct, { bounds: false });
    await admin.raw(`drop database if exists ${BENCH_DATABASE} with (force)`);
    await admin.raw(`create database ${BENCH_DATABASE}`);
    try {
      code = await npm(['run', 'bench:load', '--', '--clients', '50', '--seconds', '10'], { BENCH_DATABASE_URL: bouncer.url(BENCH_DATABASE) });
    } finally {
      await admin.raw(`drop database if exists ${BENCH_DATABASE} with (force)`);
      await admin.destroy();
    }
  }
} finally {
  await bouncer.stop();
  await stopEmbedded();
}
process.exit(code);
