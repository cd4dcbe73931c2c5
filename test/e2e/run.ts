// `npm run e2e`: the reference frontend (examples/nextjs: Next.js App Router, Better Auth with its jwt()
// plugin) against this API, in Debian's Chromium, each server on its own origin. It packs the client,
// installs and builds the example (offline but for the npm registry), starts one embedded PostgreSQL for
// both, the API as `npm start` runs it and the example as `next start` does, then drives two tabs of one
// user (test/e2e/two-tabs.ts) and prints what it measured. Skipped, saying why, without Chromium.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { environment } from '../../src/config/index.js';
import { createDb } from '../../src/db/knex.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { freePort } from '../../src/db/free-port.js';
import { answering, run, start, type Child } from './processes.js';
import { CHROMIUM, driveTwoTabs } from './two-tabs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'nextjs');
// next itself, not npx: a signal to npx would leave next serving as an orphan.
const NEXT = join(EXAMPLE, 'node_modules', 'next', 'dist', 'bin', 'next');
/** Short enough that tokens expire while the tabs stream; Better Auth's default is 15 minutes. */
const JWT_SECONDS = 20;

if (!existsSync(CHROMIUM)) {
  console.log(`e2e: skipped: no Chromium at ${CHROMIUM} (scripts/install-browser.sh could not install it here).`);
  process.exit(0);
}

const env = environment();
const npm = (args: string[], cwd = ROOT) => run('npm', args, { cwd, env });
const step = (what: string) => console.log(`e2e: ${what}`);

step('packing the client and installing the example (its npm run setup)');
await npm(['run', '-s', 'setup'], EXAMPLE);
await npm(['run', '-s', 'build']);

const [apiPort, appPort] = [await freePort(), await freePort()];
const api = `http://127.0.0.1:${apiPort}`;
const app = `http://127.0.0.1:${appPort}`;
const appEnv = {
  ...env,
  NEXT_TELEMETRY_DISABLED: '1',
  BETTER_AUTH_SECRET: randomBytes(32).toString('base64url'),
  BETTER_AUTH_URL: app,
  NEXT_PUBLIC_TASKS_API_URL: api,
  JWT_EXPIRATION: `${JWT_SECONDS}s`,
};
step('building the example (next build)');
await run(process.execPath, [NEXT, 'build'], { cwd: EXAMPLE, env: appEnv });

const dir = await mkdtemp(join(tmpdir(), 'tasks-e2e-'));
const children: Child[] = [];
const database = await startEmbeddedPostgres(dir, { info: () => {}, debug: () => {} }, { persistent: false });
try {
  const admin = createDb(database.url, { bounds: false });
  await admin.raw('create database better_auth');
  await admin.destroy();
  const authUrl = new URL(database.url);
  authUrl.pathname = '/better_auth';

  const apiEnv = {
    ...env,
    NODE_ENV: 'production',
    PORT: String(apiPort),
    DATABASE_URL: database.url,
    BETTER_AUTH_SECRET: randomBytes(32).toString('base64url'),
    BETTER_AUTH_URL: app,
    JWT_ISSUER: app,
    JWT_AUDIENCE: app,
    CORS_ORIGINS: app,
    WEB_CONCURRENCY: '1',
    LOG_LEVEL: 'warn',
  };
  let apiServer = start(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env: apiEnv });
  children.push(apiServer);
  const example = start(process.execPath, [NEXT, 'start', '-H', '127.0.0.1', '-p', String(appPort)], { cwd: EXAMPLE, env: { ...appEnv, DATABASE_URL: authUrl.href } });
  children.push(example);
  await answering(`${api}/api/ready`, apiServer);
  await answering(`${app}/api/auth/jwks`, example);

  step(`driving two tabs in Chromium: the example at ${app}, the API at ${api}`);
  const result = await driveTwoTabs({
    app,
    api,
    jwtSeconds: JWT_SECONDS,
    async restartApi() {
      await apiServer.stop();
      apiServer = start(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env: apiEnv });
      children.push(apiServer);
      await answering(`${api}/api/ready`, apiServer);
    },
  });
  const { latencies } = result;
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!;
  console.log(`e2e: create in tab 1 → shown in tab 2, ${latencies.length} creates: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`);
  const per100 = ((result.tokens * 100) / result.requests).toFixed(1);
  console.log(`e2e: tokens fetched: ${result.tokens} for ${result.requests} API requests (${per100} per 100) from two tabs over ${result.seconds} s, JWTs of ${JWT_SECONDS} s`);
  console.log('e2e: 1 passed, 0 failed');
} catch (error) {
  for (const child of children) console.error(`--- output of a server:\n${child.output().slice(-4000)}`);
  console.error(error);
  console.log('e2e: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  for (const child of children) await child.stop();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}
