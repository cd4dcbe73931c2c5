// What the benchmark scripts share: a database to run on, the API in its own process, percentiles.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabaseUrl } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

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

/** The API in production mode in its own process, on a free port, once /api/health answers. */
export async function startApi(env: Record<string, string>): Promise<{ base: string; stop(): Promise<number | null> }> {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), main], {
    // Logging as in production (info: a line per request), to a pipe nobody reads. Rate limiting off: the
    // benchmarks send thousands of requests a minute per user on purpose, and measure the API, not the limiter.
    env: { PATH: '/usr/bin:/bin', PORT: String(port), NODE_ENV: 'production', WEB_CONCURRENCY: '1', LOG_LEVEL: 'info', RATE_LIMIT_ENABLED: 'false', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode})`);
    if (await fetch(`${base}/api/health`).then((r) => r.ok, () => false)) break;
    if (tries > 150) throw new Error('the API did not become healthy in 30 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { base, stop: () => (child.kill('SIGTERM'), exited) };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
