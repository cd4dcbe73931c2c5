// The server as a cluster primary with workers: a dead worker replaced, and a database that cannot be reached.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { describe, it } from 'node:test';
import { testDatabaseUrl } from '../support/settings.js';
import { freePort } from '../../src/db/free-port.js';
import { SERVER_TIMEOUTS } from '../../src/pipeline/server.js';
import { MAIN, PATH, startServer, workDir } from '../support/server-process.js';

describe('the server with several workers', () => {
  it('when WEB_CONCURRENCY is 2, then two workers share the port, a dead one is replaced, and SIGTERM stops all', async () => {
    const dir = await workDir();
    const server = await startServer(dir, { NODE_ENV: 'production', WEB_CONCURRENCY: '2', DATABASE_URL: testDatabaseUrl()!, BETTER_AUTH_SECRET: 'x'.repeat(40) });
    const workers = () => [...server.output().matchAll(/"pid":(\d+)[^\n]*Tasks API listening/g)].map((m) => Number(m[1]));
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    // A live worker answers within its answer deadline (a 503 at worst); twice that is a connection handed
    // to the dead one.
    const HUNG_MS = 2 * SERVER_TIMEOUTS.answerMs;
    const listening = /Tasks API listening/;
    try {
      await server.waitFor(listening, 2);
      const [first, second] = workers() as [number, number];
      assert.notEqual(first, second);
      process.kill(first, 'SIGKILL');
      // A new connection each time (fetch would reuse one, maybe to the worker just killed).
      const freshHealth = () =>
        new Promise<number>((resolve, reject) => {
          get({ host: '127.0.0.1', port: server.port, path: '/api/health', agent: false, timeout: HUNG_MS }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .once('timeout', function (this: { destroy(error: Error): void }) {
              this.destroy(new Error(`no answer in ${HUNG_MS} ms`));
            })
            .once('error', reject);
        });
      // Until the primary has noticed the death it may still hand it a connection; then all is served.
      await server.waitFor(listening, 3);
      assert.match(server.output(), /a worker died; starting another/);
      for (let i = 0; i < 10; i++) assert.equal(await freshHealth(), 200, 'served by the survivor and the replacement');
      const replacement = workers()[2]!;
      assert.equal(await server.stop('SIGTERM'), 0);
      assert.ok(!alive(second) && !alive(replacement), 'every worker has exited');
    } finally {
      for (const pid of workers()) if (alive(pid)) process.kill(pid, 'SIGKILL'); // orphans would hold the pipes open
      await server.stop('SIGKILL').catch(() => undefined);
    }
  });

  it('when WEB_CONCURRENCY is 2 and the database cannot be reached, then it exits 1 saying why, workers included', async () => {
    const dir = await workDir();
    const closed = await freePort(); // nothing listens there
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
      cwd: dir,
      env: { PATH, HOME: dir, PORT: '0', NODE_ENV: 'production', WEB_CONCURRENCY: '2', DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/none`, BETTER_AUTH_SECRET: 'x'.repeat(40) },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Only a guard against a hang (no PostgreSQL is waited for: the port is closed), far past any slowness.
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    // 'close': once every process holding its output pipes is gone, workers included.
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 1, output);
    assert.match(output, /ECONNREFUSED/);
    // The workers it had started were stopped first, not left to crash on a pipe to a dead primary.
    assert.doesNotMatch(output, /EPIPE|listening/);
  });
});
