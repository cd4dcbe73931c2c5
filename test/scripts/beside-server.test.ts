// The scripts a newcomer runs in a second terminal while `npm start` serves on the embedded database: they
// use that server's PostgreSQL (a second one on the same data is refused by PostgreSQL), say so, and leave
// it running; without a server they start their own; a failure is a sentence, never a stack trace.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { npmRunOutcome } from '../support/cli.js';
import { startServer, workDir, type Running } from '../support/server-process.js';

const SECRET = 's'.repeat(40);
let dir: string;
let server: Running | undefined;
const env = () => ({ DATA_DIR: join(dir, '.data'), BETTER_AUTH_SECRET: SECRET, LOG_LEVEL: 'info', NODE_ENV: 'development' });
const STACK_FRAME = /^\s+at /m;

before(async () => {
  dir = await workDir();
  server = await startServer(dir, { BETTER_AUTH_SECRET: SECRET });
});
after(async () => {
  await server?.stop();
});

function assertSucceeded(outcome: { code: number; stdout: string; stderr: string }, what: string) {
  assert.equal(outcome.code, 0, `${what} exits 0:\n${outcome.stdout}\n${outcome.stderr}`);
  assert.doesNotMatch(outcome.stdout + outcome.stderr, STACK_FRAME, `${what} prints no stack trace`);
}

describe('scripts beside a running npm start on the embedded database', { concurrency: false }, () => {
  it('when db:seed runs, then it seeds the running server’s database, and the server serves the demo tasks', async () => {
    const seeded = await npmRunOutcome(env(), 'db:seed');
    assertSucceeded(seeded, 'db:seed');
    assert.match(seeded.stdout, /already running/, 'it says whose database it used');
    assert.match(seeded.stdout, /Created \d+ tasks for the demo user "demo_user"/);
    const token = /A token for it \(24 h\):\n(\S+)/.exec(seeded.stdout)?.[1];
    assert.ok(token, seeded.stdout);
    const res = await fetch(`http://127.0.0.1:${server!.port}/api/tasks`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as unknown[]).length > 5, 'the server sees what the script wrote');
  });

  it('when migrate status, the knex CLI and db:distribute run, then each answers from the running server’s database', async () => {
    const status = await npmRunOutcome(env(), 'migrate', 'status');
    assertSucceeded(status, 'migrate status');
    const report = JSON.parse(status.stdout.slice(status.stdout.indexOf('{\n'))) as { applied: string[]; pending: string[] };
    assert.ok(report.applied.length > 0, 'the server migrated it');
    assert.deepEqual(report.pending, []);

    const knex = await npmRunOutcome(env(), 'knex', 'migrate:status');
    assertSucceeded(knex, 'npm run knex');
    assert.match(knex.stdout, /No Pending Migration files Found/);

    const distribute = await npmRunOutcome(env(), 'db:distribute');
    assertSucceeded(distribute, 'db:distribute');
    assert.match(distribute.stdout, /"distributed": \[\]/);

    const health = await fetch(`http://127.0.0.1:${server!.port}/api/ready`);
    assert.equal(health.status, 200, 'the server still has its database');
  });

  it('when the server has stopped, then migrate starts an embedded PostgreSQL of its own again, and a failure is a sentence', async () => {
    assert.equal(await server!.stop(), 0);
    server = undefined;
    const status = await npmRunOutcome(env(), 'migrate', 'status');
    assertSucceeded(status, 'migrate status without a server');
    assert.doesNotMatch(status.stdout, /already running/);
    assert.match(status.stdout, /Embedded PostgreSQL is listening/);

    const knex = await npmRunOutcome(env(), 'knex', 'migrate:status');
    assert.equal(knex.code, 1);
    assert.match(knex.stderr, /no npm start is running on the embedded database/);
    assert.doesNotMatch(knex.stdout + knex.stderr, STACK_FRAME);

    const unreachable = await npmRunOutcome({ ...env(), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, 'migrate', 'status');
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^Failed: the database cannot be reached \(.*ECONNREFUSED.*\): check DATABASE_URL/m);
    assert.doesNotMatch(unreachable.stdout + unreachable.stderr, STACK_FRAME);
  });
});
