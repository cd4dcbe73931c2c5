// The embedded PostgreSQL that a running server (`npm start`) started on a data directory, found the way
// PostgreSQL itself finds it: the cluster's postmaster.pid names the process, its port and its address. The
// scripts (`db:seed`, `migrate`, `db:distribute`, the knex CLI) then use that server's database instead of
// starting a second PostgreSQL on the same data, which PostgreSQL refuses ("lock file already exists").
// Synchronous, so that knexfile.ts can use it as it loads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootDataDir } from './embedded-as-root.js';

/** postmaster.pid's lines (PostgreSQL's pidfile.h): pid, data directory, start time, port, socket dir, address, shared memory key, status. */
const LINE = { pid: 0, port: 3, address: 5, status: 7 } as const;

/**
 * The URL of the embedded PostgreSQL running on `dataDir`, or undefined when none runs there (no lock file,
 * or one a crashed PostgreSQL left behind). As root the data may live under ROOT_CACHE instead: both are looked at.
 */
export function runningEmbeddedUrl(dataDir: string): string | undefined {
  for (const dir of [dataDir, rootDataDir(dataDir)]) {
    const lines = readOrUndefined(join(dir, 'postgres', 'postmaster.pid'))?.split('\n');
    const password = readOrUndefined(join(dir, 'postgres.password'))?.trim();
    if (!lines || !password) continue;
    const pid = Number(lines[LINE.pid]);
    const port = Number(lines[LINE.port]);
    if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0 || !isAlive(pid)) continue;
    if (lines[LINE.status]?.trim() === 'stopping') continue;
    const address = lines[LINE.address]?.trim().split(/[\s,]+/)[0];
    const host = !address || address === '*' || address === '0.0.0.0' ? '127.0.0.1' : address;
    return `postgres://postgres:${encodeURIComponent(password)}@${host}:${port}/postgres`;
  }
  return undefined;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // absent, or not ours to read: not a server this process can use
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user (postgres, as root)
  }
}
