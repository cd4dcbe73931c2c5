// `npm run bench:load [-- --clients 100 --seconds 30]`: many concurrent clients, each owning a user, run a
// mix of create / list / update / toggle / delete against the API in production mode, keeping a model of what
// their tasks must be. Afterwards every user's tasks are read back and compared with the model: no 5xx, no
// lost or phantom write, no task under the wrong user. Exits 1 if any of that fails. A script, not a test.
//
// Database: see bench/support.ts (BENCH_DATABASE_URL, or a fresh embedded PostgreSQL).
import { createSecretKey, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { createDb } from '../src/db/knex.js';
import { migrateLatest } from '../migrations/migrate.js';
import { benchDatabase, percentile, startApi } from './support.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '100' }, seconds: { type: 'string', default: '30' } } });
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const SECRET = randomBytes(32).toString('base64url');
const RUN = randomBytes(4).toString('hex');
const log = (message: string) => console.log(`[load] ${message}`);

interface Task { id: number; user_id: string; title: string; completed: boolean }
interface Stats { latencies: number[]; statuses: Map<number, number>; failures: string[] }

/** One client: its own user, its own model of that user's tasks, requests one after another until the deadline. */
async function client(base: string, index: number, deadline: number, stats: Stats): Promise<{ userId: string; token: string; model: Map<number, Task> }> {
  const userId = `load_${RUN}_${index}`;
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('1h').sign(createSecretKey(Buffer.from(SECRET)));
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const model = new Map<number, Task>();
  let n = 0;

  const call = async (method: string, path: string, body?: object): Promise<{ status: number; json: unknown }> => {
    const start = performance.now();
    const res = await fetch(`${base}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    stats.latencies.push(performance.now() - start);
    stats.statuses.set(res.status, (stats.statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) stats.failures.push(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const expectTask = (what: string, status: number, want: number, task: unknown): Task | undefined => {
    if (status !== want) {
      stats.failures.push(`${userId} ${what}: ${status}, expected ${want}`);
      return undefined;
    }
    const t = task as Task;
    if (t.user_id !== userId) stats.failures.push(`${userId} ${what}: got a task of ${t.user_id}`);
    return t;
  };

  while (Date.now() < deadline) {
    n += 1;
    const ids = [...model.keys()];
    const pick = ids[Math.floor(Math.random() * ids.length)];
    const roll = Math.random();
    if (roll < 0.3 || pick === undefined) {
      const { status, json } = await call('POST', '/api/tasks', { title: `task ${n}` });
      const task = expectTask('create', status, 201, json);
      if (task) model.set(task.id, task);
    } else if (roll < 0.5) {
      const { status, json } = await call('GET', '/api/tasks?limit=50');
      if (status !== 200) stats.failures.push(`${userId} list: ${status}`);
      else for (const t of json as Task[]) if (t.user_id !== userId) stats.failures.push(`${userId} list: saw a task of ${t.user_id}`);
    } else if (roll < 0.7) {
      const { status, json } = await call('PUT', `/api/tasks/${pick}`, { title: `renamed ${n}` });
      const task = expectTask('update', status, 200, json);
      if (task) model.set(task.id, task);
    } else if (roll < 0.85) {
      const { status, json } = await call('PATCH', `/api/tasks/${pick}/complete`);
      const task = expectTask('toggle', status, 200, json);
      if (task) {
        if (task.completed === model.get(pick)!.completed) stats.failures.push(`${userId} toggle of ${pick} did not flip`);
        model.set(task.id, task);
      }
    } else {
      const { status } = await call('DELETE', `/api/tasks/${pick}`);
      if (status === 204) model.delete(pick);
      else stats.failures.push(`${userId} delete of ${pick}: ${status}`);
    }
  }
  return { userId, token, model };
}

/** Reads every task of the user back through the API and compares it with the model. */
async function verify(base: string, owner: { userId: string; token: string; model: Map<number, Task> }): Promise<string[]> {
  const problems: string[] = [];
  const stored: Task[] = [];
  let next: string | undefined = '/api/tasks?limit=500';
  while (next) {
    const res = await fetch(`${base}${next}`, { headers: { authorization: `Bearer ${owner.token}` } });
    stored.push(...((await res.json()) as Task[]));
    next = /^<([^>]+)>/.exec(res.headers.get('link') ?? '')?.[1];
  }
  for (const task of stored) {
    const expected = owner.model.get(task.id);
    if (task.user_id !== owner.userId) problems.push(`${owner.userId}: task ${task.id} belongs to ${task.user_id}`);
    else if (!expected) problems.push(`${owner.userId}: task ${task.id} exists but was deleted or never acknowledged`);
    else if (expected.title !== task.title || expected.completed !== task.completed) {
      problems.push(`${owner.userId}: task ${task.id} is ${JSON.stringify([task.title, task.completed])}, expected ${JSON.stringify([expected.title, expected.completed])}`);
    }
  }
  const storedIds = new Set(stored.map((t) => t.id));
  for (const id of owner.model.keys()) if (!storedIds.has(id)) problems.push(`${owner.userId}: acknowledged task ${id} was lost`);
  return problems;
}

async function main(): Promise<number> {
  const { url, cleanup } = await benchDatabase(log);
  try {
    const db = createDb(url, { bounds: false });
    await migrateLatest(db);
    await db.destroy();
    const api = await startApi({ DATABASE_URL: url, BETTER_AUTH_SECRET: SECRET });
    const stats: Stats = { latencies: [], statuses: new Map(), failures: [] };
    log(`${CLIENTS} clients for ${SECONDS} s against ${api.base}`);
    const started = Date.now();
    const owners = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(api.base, i, started + SECONDS * 1000, stats)));
    const elapsed = (Date.now() - started) / 1000;
    const problems = (await Promise.all(owners.map((o) => verify(api.base, o)))).flat();
    const exitCode = await api.stop();

    const sorted = [...stats.latencies].sort((a, b) => a - b);
    const fives = [...stats.statuses].filter(([s]) => s >= 500).reduce((sum, [, n]) => sum + n, 0);
    console.log(`\nrequests ${sorted.length} in ${elapsed.toFixed(1)} s = ${(sorted.length / elapsed).toFixed(0)} req/s`);
    console.log(`latency ms: p50 ${percentile(sorted, 50).toFixed(1)}, p95 ${percentile(sorted, 95).toFixed(1)}, p99 ${percentile(sorted, 99).toFixed(1)}, max ${sorted.at(-1)?.toFixed(1)}`);
    console.log(`statuses: ${[...stats.statuses].sort().map(([s, n]) => `${s}×${n}`).join(', ')}`);
    console.log(`tasks verified: ${owners.reduce((sum, o) => sum + o.model.size, 0)} across ${owners.length} users`);
    console.log(`5xx: ${fives}; unexpected answers: ${stats.failures.length}; verification problems: ${problems.length}; API exit code on SIGTERM: ${exitCode}`);
    for (const line of [...stats.failures, ...problems].slice(0, 20)) console.log(`  ${line}`);
    const ok = fives === 0 && stats.failures.length === 0 && problems.length === 0 && exitCode === 0;
    console.log(ok ? 'PASS: no 5xx, no lost or phantom write, no task under the wrong user' : 'FAIL');
    return ok ? 0 : 1;
  } finally {
    await cleanup();
  }
}

process.exit(await main());
