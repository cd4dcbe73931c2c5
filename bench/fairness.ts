// `npm run bench:fairness`: can one account, within its allowance, slow everyone else down? Another user
// lists their tasks four times a second (an ordinary page of 50), first with nothing else going on, then
// while one account floods the API in each of the ways that cost the database most: searches for a letter
// none of its 100,000 tasks has (so every one is read), a loop of bulk toggles over 2,000 tasks, and pages
// of 500. The API runs as in production, rate limits on with their defaults; the flooding clients honour
// Retry-After, as a client that stays within its allowance does (each flood is a user of its own, so each
// starts with a whole allowance). Prints the other user's latency in each phase beside its idle value, the
// flooder's answers, and how much the bulk-toggle loop grew the change log.
//
// Database: a fresh embedded PostgreSQL in a temporary directory, or BENCH_DATABASE_URL (its database name
// must contain "bench": its tasks and users are replaced).
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { SignJWT } from 'jose';
import { createDb } from '../src/db/knex.js';
import { migrateLatest } from '../migrations/migrate.js';
import { insertTasks } from './seed.js';
import { benchDatabase, percentile, startApi } from './support.js';

const SECONDS = Number(process.argv[2] ?? 20);
const SECRET = randomBytes(32).toString('base64url');
const VICTIM_EVERY_MS = 250; // 240 a minute: within the default allowance of 300
const USERS = { victim: 200, searcher: 100_000, searcher2: 100_000, toggler: 2_000, lister: 100_000 } as const;

const log = (message: string) => console.log(`[bench] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(url: string): Promise<void> {
  const db = createDb(url, { bounds: false });
  try {
    await migrateLatest(db);
    await db.raw('truncate tasks, users cascade');
    await db('users').insert(Object.entries(USERS).map(([id, tasks]) => ({ id, last_task_id: tasks })));
    const started = Date.now();
    for (const [id, tasks] of Object.entries(USERS)) await insertTasks(db, id, tasks);
    await db('tasks').where({ user_id: 'toggler' }).update({ tags: ['t1'] });
    await db.raw('vacuum analyze');
    log(`seeded ${Object.values(USERS).reduce((a, b) => a + b, 0).toLocaleString()} tasks in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await db.destroy();
  }
}

const tokenFor = (user: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setExpirationTime('2h').sign(createSecretKey(Buffer.from(SECRET)));

interface Sample { ms: number; status: number }

/** The other user: a page of 50 every VICTIM_EVERY_MS, one at a time, for `seconds`. */
async function victim(base: string, token: string, seconds: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const started = performance.now();
    const res = await fetch(`${base}/api/tasks?limit=50`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    const ms = performance.now() - started;
    samples.push({ ms, status: res.status });
    await sleep(Math.max(0, VICTIM_EVERY_MS - ms));
  }
  return samples;
}

type Request = () => { path: string; method: string; body?: string };

/** `clients` loops sending `request` until `until`; on a 429 each waits what Retry-After says. */
async function flood(base: string, token: string, clients: number, request: Request, until: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < until) {
      const { path, method, body } = request();
      const res = await fetch(`${base}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) } });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 429) await sleep(Math.min(until - Date.now(), Number(res.headers.get('retry-after') ?? 1) * 1000));
    }
  }));
  return statuses;
}

interface Phase { name: string; victim: Sample[]; flooder?: Map<number, number> }

async function main(): Promise<void> {
  const { url, cleanup } = await benchDatabase(log);
  const phases: Phase[] = [];
  let growth = '';
  try {
    await seed(url);
    const api = await startApi({ DATABASE_URL: url, BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_ENABLED: 'true' });
    const db = createDb(url, { bounds: false, poolMax: 1 });
    try {
      const tokens = Object.fromEntries(await Promise.all(Object.keys(USERS).map(async (user) => [user, await tokenFor(user)]))) as Record<keyof typeof USERS, string>;
      await victim(api.base, tokens.victim, 3); // warm-up
      phases.push({ name: 'idle', victim: await victim(api.base, tokens.victim, SECONDS) });

      const during = async (name: string, user: keyof typeof USERS, clients: number, request: Request) => {
        const until = Date.now() + SECONDS * 1000;
        const [samples, statuses] = await Promise.all([victim(api.base, tokens.victim, SECONDS), flood(api.base, tokens[user], clients, request, until)]);
        phases.push({ name, victim: samples, flooder: statuses });
        log(`${name}: done`);
      };
      await during('150 clients searching q=z over 100,000 tasks (no match: every row read)', 'searcher', 150, () => ({ method: 'GET', path: '/api/tasks?q=z' }));
      // The most database time searches can take: one after another, never refused for running two at once.
      await during('1 client searching q=z, back to back', 'searcher2', 1, () => ({ method: 'GET', path: '/api/tasks?q=z' }));

      const events = async () => {
        const { rows } = await db.raw<{ rows: Array<{ own: number; all: number; size: string }> }>(
          `select (select count(*)::int from task_events where user_id = 'toggler') as own, count(*)::int as all,
                  pg_size_pretty(pg_total_relation_size('task_events')) as size from task_events`,
        );
        return rows[0]!;
      };
      const before = await events();
      let completed = false;
      await during('2 clients toggling 2,000 tasks in bulk, alternately', 'toggler', 2, () => {
        completed = !completed;
        return { method: 'PATCH', path: '/api/tasks?tag=t1', body: JSON.stringify({ completed }) };
      });
      const after = await events();
      growth = `change log of the toggling user: ${before.own.toLocaleString()} → ${after.own.toLocaleString()} events ` +
        `(all users: ${before.all.toLocaleString()} → ${after.all.toLocaleString()}, task_events ${before.size} → ${after.size}) in ${SECONDS} s`;

      await during('100 clients reading pages of 500 of 100,000 tasks', 'lister', 100, () => ({ method: 'GET', path: '/api/tasks?limit=500' }));
    } finally {
      await db.destroy();
      await api.stop();
    }
  } finally {
    await cleanup();
  }
  report(phases, growth);
}

function report(phases: Phase[], growth: string): void {
  const idle = stats(phases[0]!.victim);
  const lines = [
    `# bench:fairness (${new Date().toISOString()})`,
    '',
    `Another user's list (a page of 50, one every ${VICTIM_EVERY_MS} ms) for ${SECONDS} s in each phase, while one account floods the API`,
    'within its allowance (rate limits on, defaults; its clients honour Retry-After). Latency in ms.',
    '',
    '| phase | other user p50 | p99 | max | p50 ÷ idle | other user answers | flooder answers |',
    '| --- | --: | --: | --: | --: | --: | --- |',
    ...phases.map(({ name, victim: samples, flooder }) => {
      const s = stats(samples);
      const victimAnswers = count(samples.map((sample) => sample.status));
      return `| ${name} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)} | ${(s.p50 / idle.p50).toFixed(2)}× | ${answersOf(victimAnswers)} | ${flooder ? answersOf(flooder) : ''} |`;
    }),
    '',
    growth,
  ];
  console.log(`\n${lines.join('\n')}`);
  void mkdir(new URL('results/', import.meta.url), { recursive: true }).then(() =>
    writeFile(new URL(`results/fairness-${new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-')}.md`, import.meta.url), `${lines.join('\n')}\n`),
  );
}

const count = (statuses: number[]) => statuses.reduce((map, status) => map.set(status, (map.get(status) ?? 0) + 1), new Map<number, number>());
const answersOf = (statuses: Map<number, number>) => [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${n.toLocaleString()} × ${status}`).join(', ');

function stats(samples: Sample[]) {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

await main();
