// The project's command-line tools as a user runs them, from the project's root with only the environment
// given (and a PATH that finds this Node first): the knex CLI on knexfile.ts, and npm scripts.
import { execFile, execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PATH } from './server-process.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(command: string, args: string[], env: Record<string, string>): string {
  return execFileSync(command, args, {
    cwd: ROOT,
    env: { PATH: `${join(process.execPath, '..')}:${PATH}`, HOME: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
}

/** `npx knex …` as docs/how-to/operations.md documents it (tsx loaded through NODE_OPTIONS). */
export function knexCli(env: Record<string, string>, ...args: string[]): string {
  return run('npx', ['knex', ...args], { NODE_OPTIONS: '--import=tsx', ...env });
}

/** `npm run -s <script> -- …`, printing what the script prints. */
export function npmRun(env: Record<string, string>, script: string, ...args: string[]): string {
  return run('npm', ['run', '-s', script, '--', ...args], env);
}

/** `npm run -s <script> -- …` without waiting on it synchronously, whatever its exit code: what it said and how it ended. */
export function npmRunOutcome(env: Record<string, string>, script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '-s', script, '--', ...args],
      { cwd: ROOT, env: { PATH: `${join(process.execPath, '..')}:${PATH}`, HOME: tmpdir(), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
