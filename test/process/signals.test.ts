// Signals as a supervisor sends them: while the embedded PostgreSQL is starting, and to npm's own pid under
// `npm start` and `npm run dev`. Nothing may be left behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAIN, outputWatcher, PATH, workDir } from '../support/server-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'x'.repeat(40);
const DRAINING = (signal: string) => new RegExp(`${signal}: finishing the requests in flight`);

/** How many requests wait for one of the API's pool connections, as its /metrics says. */
describe('signals', () => {
  for (const workers of ['1', '2']) {
    it(`when SIGTERM arrives while the embedded PostgreSQL is starting (WEB_CONCURRENCY=${workers}), then it is stopped too, and nothing is left behind`, async () => {
      const dir = await workDir();
      const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
        cwd: dir,
        env: { PATH, HOME: dir, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'development', DATA_DIR: dir, BETTER_AUTH_SECRET: SECRET, WEB_CONCURRENCY: workers },
      });
      const { output, waitFor, exited } = outputWatcher(child);
      await waitFor(/Embedded PostgreSQL is listening/);
      assert.doesNotMatch(output(), /Tasks API listening/, 'the signal comes before the service serves');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output().slice(-2000));
      const postmaster = join(dir, 'postgres', 'postmaster.pid');
      assert.ok(!existsSync(postmaster), `the embedded PostgreSQL was stopped\n${output().slice(-2000)}`);
    });
  }

  for (const [script, signal] of [['start', 'SIGTERM'], ['start', 'SIGINT'], ['dev', 'SIGTERM']] as const) {
    it(`when ${signal} is sent to npm's own pid under \`npm ${script === 'start' ? 'start' : 'run dev'}\`, then the server and its embedded PostgreSQL stop, and nothing is left behind`, async () => {
      const dataDir = await workDir();
      const npm = spawn('npm', script === 'start' ? ['start'] : ['run', 'dev'], {
        cwd: ROOT,
        env: { PATH: `${join(process.execPath, '..')}:${PATH}`, HOME: dataDir, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'development', DATA_DIR: dataDir, BETTER_AUTH_SECRET: SECRET },
      });
      const { output, waitFor, exited } = outputWatcher(npm);
      await waitFor(/Tasks API listening/);
      const serverPid = Number(/"pid":(\d+)[^\n]*Tasks API listening/.exec(output())![1]);
      assert.notEqual(serverPid, npm.pid, 'npm runs the server as a child');
      const postmaster = join(dataDir, 'postgres', 'postmaster.pid');
      assert.ok(existsSync(postmaster), 'the embedded PostgreSQL runs');

      npm.kill(signal);
      assert.equal(await exited, 0, output().slice(-2000));
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      assert.ok(!alive(serverPid), 'the server exited');
      assert.ok(!existsSync(postmaster), 'the embedded PostgreSQL was stopped');
      assert.match(output(), DRAINING(signal));
    });
  }
});
