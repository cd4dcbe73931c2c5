// `npm run bench:list`: does a page cost the same for a user with 100 tasks and one with 100,000, in a table
// of over a million? Seeds through SQL (not the API), starts the API in its own process, and measures
// sequential request latency over HTTP (one request at a time: latency, not throughput).
//
// Database: a fresh embedded PostgreSQL in a temporary directory, or BENCH_DATABASE_URL (its database name
// must contain "bench": its tasks and users are replaced, unless they already hold this seed, which is kept
// so that repeated runs skip the seeding).
import { createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { createDb } from '../src/db/knex.js';
import { migrateLatest } from '../migrations/migrate.js';
import { insertTasks } from './seed.js';
import { benchDatabase, percentile, startApi } from './support.js';

const SIZES = [100, 10_000, 100_000] as const;
const TOTAL_ROWS = 1_000_000;
const FILLER_TASKS_PER_USER = 1000;
const WARMUP = 50;
const SAMPLES = Number(process.argv[2] ?? 300);
const SECRET = randomBytes(32).toString('base64url');

const log = (message: string) => console.log(`[bench] ${message}`);

async function seed(url: string): Promise<void> {
  const db = createDb(url, { bounds: false });
  try {
    await migrateLatest(db);
    const seeded = await db('tasks').where({ user_id: `bench_${SIZES.at(-1)}` }).count<Array<{ n: string }>>({ n: '*' });
    const total = await db.raw<{ rows: Array<{ n: number }> }>('select count(*)::int as n from tasks');
    if (Number(seeded[0]!.n) === SIZES.at(-1) && total.rows[0]!.n >= TOTAL_ROWS) {
      log(`the database already holds the seed (${total.rows[0]!.n.toLocaleString()} tasks): keeping it`);
      return;
    }
    await db.raw('truncate tasks, users');
    const fillerUsers = Math.ceil((TOTAL_ROWS - SIZES.reduce((a, b) => a + b, 0)) / FILLER_TASKS_PER_USER);
    const users = [...SIZES.map((n) => ({ id: `bench_${n}`, tasks: n })), ...Array.from({ length: fillerUsers }, (_, i) => ({ id: `filler_${i}`, tasks: FILLER_TASKS_PER_USER }))];
    await db.batchInsert('users', users.map((u) => ({ id: u.id, last_task_id: u.tasks })), 1000);
    const started = Date.now();
    await db.raw('set synchronous_commit = off');
    for (const [index, user] of users.entries()) {
      await insertTasks(db, user.id, user.tasks);
      if (index % 100 === 0) log(`seeded ${index + 1}/${users.length} users (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    await db.raw('vacuum analyze tasks');
    await db.raw('vacuum analyze users');
    const { rows } = await db.raw<{ rows: Array<{ n: number; size: string }> }>(
      `select count(*)::int as n, pg_size_pretty(pg_total_relation_size('tasks')) as size from tasks`,
    );
    log(`seeded ${rows[0]!.n.toLocaleString()} tasks for ${users.length} users in ${Math.round((Date.now() - started) / 1000)} s; tasks with indexes: ${rows[0]!.size}`);
  } finally {
    await db.destroy();
  }
}

async function timed(base: string, token: string, path: string): Promise<{ ms: number; rows: number }> {
  const start = process.hrtime.bigint();
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as unknown[];
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, rows: body.length };
}

/** Follows Link headers with big pages until `depth` tasks are behind, and returns the cursor found there. */
async function cursorAt(base: string, token: string, depth: number): Promise<string> {
  let seen = 0;
  let path = `/api/tasks?limit=${Math.min(500, depth)}`;
  for (;;) {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    seen += ((await res.json()) as unknown[]).length;
    const next = /^<([^>]+)>/.exec(res.headers.get('link') ?? '')?.[1];
    if (!next) throw new Error('ran out of pages');
    const cursor = new URL(next, base).searchParams.get('cursor')!;
    if (seen >= depth) return cursor;
    path = `/api/tasks?limit=${Math.min(500, depth - seen)}&cursor=${cursor}`;
  }
}

const QUERIES = {
  'first page (100)': () => '/api/tasks',
  'deep page (20, at 90 %)': (cursor: string) => `/api/tasks?limit=20&cursor=${cursor}`,
  'filtered (pending+high+tag)': () => '/api/tasks?status=pending&priority=high&tag=work',
  'search (q=invoice)': () => '/api/tasks?q=invoice',
} as const;

async function main(): Promise<void> {
  const { url, cleanup } = await benchDatabase(log);
  try {
    await seed(url);
    const api = await startApi({ DATABASE_URL: url, BETTER_AUTH_SECRET: SECRET });
    try {
      const cells: Array<{ query: string; size: number; token: string; path: string; times: number[]; rows: number }> = [];
      for (const size of SIZES) {
        const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(`bench_${size}`).setExpirationTime('1h')
          .sign(createSecretKey(Buffer.from(SECRET)));
        const deep = await cursorAt(api.base, token, Math.floor(size * 0.9) - 20);
        for (const [query, path] of Object.entries(QUERIES)) cells.push({ query, size, token, path: path(deep), times: [], rows: 0 });
      }
      // Warm every cell up first, then take the samples round-robin, so that the JIT warming up and any
      // drift of the machine fall on all cells alike rather than on whichever is measured first.
      for (let i = 0; i < WARMUP; i++) for (const cell of cells) await timed(api.base, cell.token, cell.path);
      for (let i = 0; i < SAMPLES; i++) {
        for (const cell of cells) {
          const { ms, rows } = await timed(api.base, cell.token, cell.path);
          cell.times.push(ms);
          cell.rows = rows;
        }
      }
      const results: Results = {};
      for (const cell of cells) {
        const sorted = [...cell.times].sort((a, b) => a - b);
        (results[cell.query] ??= {})[cell.size] = { median: percentile(sorted, 50), p99: percentile(sorted, 99), count: cell.rows };
      }
      report(results);
    } finally {
      await api.stop();
    }
  } finally {
    await cleanup();
  }
}

type Results = Record<string, Record<number, { median: number; p99: number; count: number }>>;

function report(results: Results): void {
  const ms = (n: number) => n.toFixed(2).padStart(7);
  const head = ['query'.padEnd(28), ...SIZES.map((s) => `${s.toLocaleString()} tasks: median / p99 (rows)`.padStart(40)), '  100k ÷ 100: median / p99'];
  console.log(`\nLatency in ms over HTTP: ${SAMPLES} sequential requests per cell, round-robin across cells, after ${WARMUP} warm-up`);
  console.log(`requests each; a table of ${TOTAL_ROWS.toLocaleString()}+ tasks. Rows: tasks on the page.\n`);
  console.log(head.join(' '));
  for (const [name, bySize] of Object.entries(results)) {
    const cells = SIZES.map((s) => `${ms(bySize[s]!.median)} / ${ms(bySize[s]!.p99)} (${String(bySize[s]!.count).padStart(3)})`.padStart(40));
    const small = bySize[100]!;
    const large = bySize[100_000]!;
    console.log([name.padEnd(28), ...cells, `  ${(large.median / small.median).toFixed(2)}× / ${(large.p99 / small.p99).toFixed(2)}×`].join(' '));
  }
}

await main();
