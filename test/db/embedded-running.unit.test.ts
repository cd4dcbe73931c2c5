// Finding the embedded PostgreSQL a running server started, from the lock file PostgreSQL keeps in the
// cluster: a live process that is not stopping is used; a lock file a crashed one left behind is not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runningEmbeddedUrl } from '../../src/db/embedded-running.js';

let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tasks-api-running-'));
  await mkdir(join(dataDir, 'postgres'));
  await writeFile(join(dataDir, 'postgres.password'), 'p@ss/word\n');
});
after(() => rm(dataDir, { recursive: true, force: true }));

/** postmaster.pid as PostgreSQL writes it. */
const lockFile = (pid: number, status: string) =>
  writeFile(join(dataDir, 'postgres', 'postmaster.pid'), `${pid}\n${join(dataDir, 'postgres')}\n1764999999\n54321\n\n127.0.0.1\n  1234567    98304\n${status}\n`);

describe('the running embedded PostgreSQL', () => {
  it('when no lock file is there, then there is none', () => {
    assert.equal(runningEmbeddedUrl(dataDir), undefined);
  });

  it('when a live process holds the lock file and is ready, then its address, port and password make the URL', async () => {
    await lockFile(process.pid, 'ready   ');
    assert.equal(runningEmbeddedUrl(dataDir), 'postgres://postgres:p%40ss%2Fword@127.0.0.1:54321/postgres');
  });

  it('when it is stopping, then it is not used', async () => {
    await lockFile(process.pid, 'stopping');
    assert.equal(runningEmbeddedUrl(dataDir), undefined);
  });

  it('when the process that wrote the lock file is gone (a crash), then there is none', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await lockFile(gone, 'ready   ');
    assert.equal(runningEmbeddedUrl(dataDir), undefined);
  });
});
