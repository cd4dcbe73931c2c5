// A PgBouncer in transaction mode, with its default settings otherwise (no ignore_startup_parameters, no
// prepared-statement support, as Debian's 1.18 is), in front of a PostgreSQL given by URL: what a user of
// Neon's or Supabase's pooled URLs talks to. PgBouncer refuses to run as root, so as root it runs as the
// `postgres` user. Used by the tests, by `.ci/run` (through scripts/pgbouncer.ts) and by the benchmarks.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/free-port.js';
import { until } from './until.js';

export const PGBOUNCER = '/usr/sbin/pgbouncer';

export interface PgBouncer {
  /** The same database as the URL given, through PgBouncer. */
  url(database?: string): string;
  port: number;
  stop(): Promise<void>;
}

export function pgbouncerInstalled(): boolean {
  try {
    execFileSync(PGBOUNCER, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startPgBouncer(databaseUrl: string): Promise<PgBouncer> {
  const server = new URL(databaseUrl);
  const dir = await mkdtemp(join(tmpdir(), 'tasks-api-pgbouncer-'));
  const port = await freePort();
  const user = decodeURIComponent(server.username || 'postgres');
  const password = decodeURIComponent(server.password);
  // Clients authenticate to PgBouncer as they would to PostgreSQL; with a password, PgBouncer uses it to
  // log in to the server too.
  await writeFile(join(dir, 'userlist.txt'), `"${user}" "${password.replaceAll('"', '""')}"\n`, { mode: 0o600 });
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      `auth_type = ${password ? 'scram-sha-256' : 'trust'}`,
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      'default_pool_size = 20',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    await chmod(dir, 0o700);
    for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) await chown(join(dir, file), uid, gid);
  }
  const child: ChildProcess = spawn(PGBOUNCER, [join(dir, 'pgbouncer.ini')], {
    stdio: 'ignore',
    ...(asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {}),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await listening(port, child);
  return {
    port,
    url(database = server.pathname.slice(1)) {
      const pooled = new URL(databaseUrl);
      pooled.hostname = '127.0.0.1';
      pooled.port = String(port);
      pooled.pathname = `/${database}`;
      return pooled.href;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  const { connect } = await import('node:net');
  // Until it listens, however long a busy machine makes its start (a hang is the test's timeout's to catch).
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}) at start`);
    return new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      }).once('error', () => resolve(false));
    });
  }, 50);
}
