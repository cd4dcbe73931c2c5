// What the benchmark scripts share: a database to run on, the API in its own process, percentiles.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabaseUrl } from './settings.js';
import { freePort } from '../src/db/free-port.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createDb } from '../src/db/knex.js';

/**
 * BENCH_DATABASE_URL (its database name must contain "bench": benchmarks replace its tasks), or a fresh
 * embedded PostgreSQL in a temporary directory, removed by `cleanup`.
 */
export async function benchDatabase(log: (message: string) => void): Promise<{ url: string; cleanup: () => Promise<void> }> {
  const url = benchDatabaseUrl();
  if (url) {
    const name = new URL(url).pathname.slice(1);
    if (!name.includes('bench')) throw new Error(`BENCH_DATABASE_URL names the database "${name}"; benchmarks replace its tasks, so its name must contain "bench".`);
    return { url, cleanup: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'tasks-api-bench-'));
  const embedded = await startEmbeddedPostgres(dir, { info: log, debug: () => {} }, { persistent: false });
  return {
    url: embedded.url,
    cleanup: async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Server {
  base: string;
  pid: number;
  /** From spawning the process to its first ready answer. */
  readyAfterMs: number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const DIST = new URL('../dist/', import.meta.url);

/** The API's settings where its throughput is measured: the rate limiter runs, as in production, but never refuses (its cost is measured, not its limit). */
export function throughputSettings(databaseUrl: string, secret: string, workers: number): Record<string, string> {
  return { DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: secret, WEB_CONCURRENCY: String(workers), RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: '1000000000' };
}

/**
 * The API in production mode (the compiled dist/src/main.js: run `npm run build` first) in its own process, on
 * a free port, once /api/ready answers (the database is up and migrated).
 */
export async function startApi(env: Record<string, string>, nodeFlags: string[] = [], options: { port?: number; output?: number; dist?: URL } = {}): Promise<Server> {
  // Logging as in production (info: a line per request), to a pipe nobody reads. Rate limiting off unless the
  // caller turns it on: the benchmarks send thousands of requests a minute per user on purpose.
  return startServer(() => [...nodeFlags, fileURLToPath(new URL('src/main.js', options.dist ?? DIST))], {
    NODE_ENV: 'production', WEB_CONCURRENCY: '1', LOG_LEVEL: 'info', RATE_LIMIT_ENABLED: 'false', ...env,
  }, async (base) => (await fetch(`${base}/api/ready`)).ok, options);
}

/** The baseline server (bench/baseline.ts, compiled), once it answers. */
export async function startBaseline(options: { databaseUrl: string; secret: string; workers: number }, nodeFlags: string[] = []): Promise<Server> {
  const script = fileURLToPath(new URL('bench/baseline.js', DIST));
  return startServer(
    (port) => [...nodeFlags, script, '--port', String(port), '--database-url', options.databaseUrl, `--secret=${options.secret}`, '--workers', String(options.workers)],
    {},
    async (base) => (await fetch(`${base}/api/tasks`)).status === 401,
  );
}

/**
 * `node <args(port)>` on `port` or a free one (PORT in the environment), once `ready` says so; its standard
 * output goes to the file descriptor `output`, or nowhere.
 */
async function startServer(
  args: (port: number) => string[],
  env: Record<string, string>,
  ready: (base: string) => Promise<boolean>,
  { port: chosen, output }: { port?: number; output?: number } = {},
): Promise<Server> {
  const port = chosen ?? (await freePort());
  const script = args(port).find((arg) => arg.endsWith('.js'));
  const child = spawn(process.execPath, args(port), {
    env: { PATH: '/usr/bin:/bin', PORT: String(port), ...env },
    stdio: ['ignore', output ?? 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode})`);
    if (await ready(base).catch(() => false)) break;
    if (performance.now() - started > 30_000) throw new Error(`${script} did not become ready in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyAfterMs = performance.now() - started;
  return { base, pid: child.pid!, readyAfterMs, stop: () => (child.kill('SIGTERM'), exited) };
}

/** A process and its children (a cluster's workers), from /proc. */
async function family(pid: number): Promise<number[]> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...children];
}

/** Resident memory in MB of a process and each of its children. */
export async function residentMemory(pid: number): Promise<Array<{ pid: number; mb: number }>> {
  return Promise.all((await family(pid)).map(async (p) => {
    const kb = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${p}/status`, 'utf8'))?.[1];
    return { pid: p, mb: Number(kb) / 1024 };
  }));
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

/**
 * CPU seconds (user + system) used so far by a process and its children, from /proc: the live children's own
 * time, plus what the process has collected from children that exited (PostgreSQL's backends come and go).
 */
export async function cpuSeconds(pid: number): Promise<number> {
  // The fields after the command name (which may hold spaces), from field 3 on: utime, stime, cutime and
  // cstime are fields 14 to 17.
  const times = async (p: number) => (await readFile(`/proc/${p}/stat`, 'utf8')).split(') ')[1]!.split(' ').slice(11, 15).map(Number);
  const [self, ...children] = await Promise.all((await family(pid)).map((p) => times(p).catch(() => [0, 0, 0, 0])));
  const ticks = self!.reduce((a, b) => a + b, 0) + children.reduce((sum, [user = 0, system = 0]) => sum + user + system, 0);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * The PostgreSQL server processes of `db` that run on this machine (to read their CPU time from /proc): its
 * postmaster, and on a Citus coordinator every node's. Empty when none runs here.
 */
export async function postgresPids(databaseUrl: string): Promise<number[]> {
  const pidOf = async (url: string) => {
    const db = createDb(url, { bounds: false, poolMax: 1 });
    try {
      const { rows } = await db.raw<{ rows: Array<{ setting: string }> }>(`select setting from pg_settings where name = 'data_directory'`);
      const pid = await readFile(`${rows[0]!.setting}/postmaster.pid`, 'utf8').then((text) => Number(text.split('\n')[0]), () => undefined);
      const workers = await db.raw<{ rows: Array<{ nodename: string; nodeport: number }> }>(
        "select nodename, nodeport from pg_dist_node where groupid > 0 and noderole = 'primary'",
      ).then(({ rows }) => rows, () => []); // no such table: not a Citus coordinator
      return { pid: pid !== undefined && existsSync(`/proc/${pid}`) ? pid : undefined, workers };
    } finally {
      await db.destroy();
    }
  };
  const coordinator = await pidOf(databaseUrl);
  const pids = [coordinator.pid];
  for (const { nodename, nodeport } of coordinator.workers) {
    const url = new URL(databaseUrl);
    url.hostname = nodename;
    url.port = String(nodeport);
    pids.push((await pidOf(url.href)).pid);
  }
  return pids.filter((pid): pid is number => pid !== undefined);
}
