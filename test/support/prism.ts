// Prism (@stoplight/prism-cli) as a validation proxy in front of a running server: every request and every
// response is checked against openapi.yaml by Stoplight's own validator, and with --errors a violation
// turns into a 500 problem of Prism's whose `sl-violations` header lists what broke.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/free-port.js';
import { SPEC_PATH } from '../../src/contract/spec.js';
import { ROOT } from './cli.js';
import { until } from './until.js';

export interface Prism {
  baseUrl: string;
  /** What Prism printed: its own account of each violation. */
  output(): string;
  stop(): Promise<void>;
}

/** `validateRequests: false` checks the answers to requests that are invalid on purpose (the 400s, 415s). */
export async function startPrism(upstream: string, { validateRequests = true } = {}): Promise<Prism> {
  const port = await freePort();
  const args = ['proxy', SPEC_PATH, upstream, '--port', String(port), '--errors', '--cors=false', `--validate-request=${validateRequests}`, '-v', 'warn'];
  const child: ChildProcess = spawn(join(ROOT, 'node_modules', '.bin', 'prism'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  // Until it listens, however long a busy machine makes its start (a hang is the test's timeout's to catch).
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`prism exited at start:\n${output}`);
    return fetch(`${baseUrl}/api/health`).then(() => true, () => false);
  }, 200);
  return {
    baseUrl,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
