// `npm run bench:chaos [-- --clients 100 --seconds 60]`: clients on keep-alive connections, each its own
// user, run mixed traffic against the API in production mode while a fault schedule plays: PostgreSQL is
// stopped and started again, then stalled (a TCP proxy between the API and PostgreSQL stops forwarding) and
// resumed, then the API is sent SIGTERM and started again. Clients retry as docs/reference/http.md says: a create with
// the same Idempotency-Key, a PUT or a PATCH with an explicit value as is, until an answer is definite.
// Afterwards every user's tasks are read back and compared with what each client was told. Prints the
// figures and exits 1 if there was a 500, a request without an answer within 15 s (a hang), or an
// acknowledged write lost, duplicated or misplaced.
// A script, not a test. It runs its own embedded PostgreSQL (it stops it on purpose).
import { randomBytes, randomUUID } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { issueToken } from '../src/auth/issue-token.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { createDb } from '../src/db/knex.js';
import { migrateLatest } from '../migrations/migrate.js';
import { freePort } from '../src/db/free-port.js';
import { startTcpProxy } from '../test/support/tcp-proxy.js';
import { residentMemory, startApi, type Server } from './support.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '100' }, seconds: { type: 'string', default: '60' } } });
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const SECRET = randomBytes(32).toString('base64url');
const RUN = randomBytes(4).toString('hex');
const log = (message: string) => console.log(`[chaos ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let startedAt = Date.now();

interface Answer {
  status: number;
  body: unknown;
}
const ANSWER_TIMEOUT_MS = 15_000;
/** Requests without an answer, by why: the port was closed (the API restarting), the connection was reset, or no answer came in time (a hang). */
const noAnswer = { refused: 0, reset: 0, hung: 0 };
const stats = { requests: 0, statuses: new Map<number, number>(), slowestMs: 0, failures: [] as string[] };

/** One request on the client's keep-alive connection: its answer, or undefined when none came. */
function send(agent: Agent, port: number, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer | undefined> {
  stats.requests++;
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, agent, method, path, timeout: ANSWER_TIMEOUT_MS, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const ms = performance.now() - started;
          stats.slowestMs = Math.max(stats.slowestMs, ms);
          const status = res.statusCode ?? 0;
          stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
          if (status >= 500 && status !== 503) stats.failures.push(`${method} ${path}: ${status} ${text.slice(0, 200)}`);
          resolve({ status, body: text && /json/.test(res.headers['content-type'] ?? '') ? (JSON.parse(text) as unknown) : undefined });
        });
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'HUNG' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      noAnswer[error.code === 'HUNG' ? 'hung' : error.code === 'ECONNREFUSED' ? 'refused' : 'reset']++;
      resolve(undefined);
    });
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

interface Known {
  title: string;
  completed: boolean;
}

/** A client: its own user; what it was told, and only that, is its model of the user's tasks. */
async function client(index: number, port: number, deadline: number) {
  const userId = `chaos_${RUN}_${index}`;
  const token = await issueToken({ secret: SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined }, { sub: userId, ttlSeconds: 3600 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const model = new Map<number, Known>();
  /** Sends until the answer is definite: anything but no answer, a 503 or a 429. */
  const definite = async (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> => {
    for (let attempt = 0; ; attempt++) {
      const answer = await send(agent, port, token, method, path, body, headers);
      if (answer && answer.status !== 503 && answer.status !== 429) return answer;
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  };
  for (let n = 0; Date.now() < deadline; n++) {
    const ids = [...model.keys()];
    const id = ids[Math.floor(Math.random() * ids.length)];
    const roll = Math.random();
    if (roll < 0.3 || id === undefined) {
      const title = `task ${n}`;
      const { status, body } = await definite('POST', '/api/tasks', { title }, { 'idempotency-key': randomUUID() });
      const task = body as { id: number; user_id: string };
      if (status !== 201) stats.failures.push(`${userId} create: ${status}`);
      else if (task.user_id !== userId) stats.failures.push(`${userId} create: got a task of ${task.user_id}`);
      else model.set(task.id, { title, completed: false });
    } else if (roll < 0.45) {
      const title = `renamed ${n}`;
      const { status } = await definite('PUT', `/api/tasks/${id}`, { title });
      if (status === 200) model.get(id)!.title = title;
      else stats.failures.push(`${userId} update ${id}: ${status}`);
    } else if (roll < 0.6) {
      const completed = !model.get(id)!.completed;
      const { status } = await definite('PATCH', `/api/tasks/${id}/complete`, { completed });
      if (status === 200) model.get(id)!.completed = completed;
      else stats.failures.push(`${userId} complete ${id}: ${status}`);
    } else if (roll < 0.7) {
      const { status } = await definite('DELETE', `/api/tasks/${id}`);
      // A 404 on a retry: the first attempt deleted it.
      if (status === 204 || status === 404) model.delete(id);
      else stats.failures.push(`${userId} delete ${id}: ${status}`);
    } else {
      await send(agent, port, token, 'GET', roll < 0.85 ? '/api/tasks?limit=20' : `/api/tasks/${id}`);
    }
  }
  return { userId, token, model, agent };
}

async function readBack(port: number, clients: Array<Awaited<ReturnType<typeof client>>>) {
  const counts = { acknowledged: 0, lost: 0, duplicated: 0, misplaced: 0, changed: 0 };
  for (const { userId, token, model, agent } of clients) {
    const stored: Array<{ id: number; user_id: string; title: string; completed: boolean }> = [];
    for (let path: string | undefined = '/api/tasks?limit=500&sort=created&order=asc'; path; ) {
      const answer = (await send(agent, port, token, 'GET', path))!;
      stored.push(...(answer.body as typeof stored));
      path = undefined; // 500 is more than any client creates in a run
    }
    counts.acknowledged += model.size;
    counts.misplaced += stored.filter((t) => t.user_id !== userId).length;
    const byId = new Map(stored.map((t) => [t.id, t]));
    for (const [id, known] of model) {
      const found = byId.get(id);
      if (!found) counts.lost++;
      else if (found.title !== known.title || found.completed !== known.completed) counts.changed++;
    }
    counts.duplicated += stored.filter((t) => !model.has(t.id)).length;
    agent.destroy();
  }
  return counts;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tasks-api-chaos-'));
  const quiet = { info: () => {}, debug: () => {} };
  let database: EmbeddedDatabase = await startEmbeddedPostgres(dir, quiet);
  const databasePort = Number(new URL(database.url).port);
  const migrator = createDb(database.url, { bounds: false, poolMax: 2 });
  await migrateLatest(migrator);
  await migrator.destroy();
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: databasePort });
  const proxied = new URL(database.url);
  proxied.port = String(proxy.port);
  const apiPort = await freePort();
  const env = { DATABASE_URL: proxied.href, BETTER_AUTH_SECRET: SECRET, LOG_LEVEL: 'warn' };
  const apiLog = join(dir, 'api.log');
  const output = openSync(apiLog, 'a');
  let api: Server = await startApi(env, [], { port: apiPort, output });
  let peakRss = 0;
  const watchRss = setInterval(() => void residentMemory(api.pid).then(([own]) => (peakRss = Math.max(peakRss, own?.mb ?? 0)), () => {}), 500);

  startedAt = Date.now();
  const deadline = startedAt + SECONDS * 1000;
  log(`${CLIENTS} clients for ${SECONDS} s`);
  const running = Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i, apiPort, deadline)));
  const at = (fraction: number) => sleep(Math.max(0, startedAt + fraction * SECONDS * 1000 - Date.now()));
  await at(0.15);
  log('PostgreSQL stops');
  await database.stop();
  await sleep(5000);
  database = await startEmbeddedPostgres(dir, quiet, { port: databasePort });
  log('PostgreSQL is back');
  await at(0.4);
  log('PostgreSQL stalls (the proxy stops forwarding)');
  proxy.stall();
  await sleep(5000);
  proxy.resume();
  log('PostgreSQL answers again');
  await at(0.65);
  log('the API is sent SIGTERM');
  const code = await api.stop();
  log(`the API exited ${code}; starting it again`);
  api = await startApi(env, [], { port: apiPort, output });
  log('the API is back');
  const clients = await running;
  log('traffic over; reading every user’s tasks back');
  const counts = await readBack(apiPort, clients);
  clearInterval(watchRss);
  const [rss] = await residentMemory(api.pid);
  peakRss = Math.max(peakRss, rss?.mb ?? 0);

  const byStatus = [...stats.statuses.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
  console.log(`
requests                 ${stats.requests}
answers by status        ${byStatus}
no answer (retried)      ${noAnswer.refused} refused (the API restarting), ${noAnswer.reset} reset, ${noAnswer.hung} hung (${ANSWER_TIMEOUT_MS / 1000} s)
slowest answer           ${Math.round(stats.slowestMs)} ms
500s                     ${[...stats.statuses].filter(([s]) => s >= 500 && s !== 503).reduce((n, [, c]) => n + c, 0)}
acknowledged tasks       ${counts.acknowledged}
  lost                   ${counts.lost}
  duplicated             ${counts.duplicated}
  misplaced              ${counts.misplaced}
  not as last told       ${counts.changed}
API exit on SIGTERM      ${code}
API RSS                  ${Math.round(rss?.mb ?? 0)} MB now, ${Math.round(peakRss)} MB at most`);
  for (const failure of stats.failures.slice(0, 20)) console.log(`  ${failure}`);
  const errors = readFileSync(apiLog, 'utf8').split('\n').filter((line) => line.includes('"level":50'));
  console.log(`API error lines          ${errors.length}`);
  for (const line of errors.slice(0, 5)) console.log(`  ${line.slice(0, 400)}`);

  await api.stop();
  await proxy.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
  const broken = stats.failures.length + noAnswer.hung + counts.lost + counts.duplicated + counts.misplaced + counts.changed + (code === 0 ? 0 : 1);
  process.exit(broken === 0 ? 0 : 1);
}

await main();
