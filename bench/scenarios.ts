// What the throughput benchmarks share: the seeded users (each its own connection), the filler that grows the
// tasks table around them, the scenarios, and one autocannon run of a scenario against a server, with the CPU
// it cost the server and PostgreSQL.
import autocannon from 'autocannon';
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Knex } from 'knex';
import { withoutChangeLog } from '../src/db/change-log.js';
import { createDb } from '../src/db/knex.js';
import { migrateLatest } from '../migrations/migrate.js';
import { cpuSeconds, type Server } from './support.js';

export const TASKS_PER_USER = 200;

export interface Seeded {
  tokens: string[];
  /** Task ids per user, for get, toggle and update. */
  ids: number[][];
}

/** `users` users (ab_0…) with TASKS_PER_USER tasks each, and a token for each signed with `secret`. */
export async function seed(url: string, users: number, secret: string): Promise<Seeded> {
  const db = createDb(url, { bounds: false });
  try {
    await migrateLatest(db);
    await db.raw(`delete from tasks where user_id like 'ab\\_%'`);
    await db.raw(`delete from users where id like 'ab\\_%'`);
    await db.raw(`insert into users (id, last_task_id) select 'ab_' || u, ? from generate_series(0, ? - 1) as u`, [TASKS_PER_USER, users]);
    await insertTasks(db, 'ab_', 0, users - 1, TASKS_PER_USER);
    await db.raw('vacuum analyze tasks');
    const rows = (await db.raw<{ rows: Array<{ user_id: string; ids: number[] }> }>(
      `select user_id, array_agg(id::int order by id) as ids from tasks where user_id like 'ab\\_%' group by user_id`,
    )).rows;
    const ids = Array.from({ length: users }, (_, u) => rows.find((r) => r.user_id === `ab_${u}`)!.ids);
    const key = createSecretKey(Buffer.from(secret));
    const tokens = await Promise.all(ids.map((_, u) =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(`ab_${u}`).setIssuedAt().setExpirationTime('2h').sign(key)));
    return { tokens, ids };
  } finally {
    await db.destroy();
  }
}

/** Whether task i is completed, in the SQL of insertTasks (the filler's users count them). */
const COMPLETED = 'i % 5 = 0';

/** Tasks 1..perUser for each of the users `prefix`first…`prefix`last, in one statement. */
async function insertTasks(db: Knex, prefix: string, first: number, last: number, perUser: number): Promise<void> {
  await db.raw(
    `insert into tasks (user_id, id, title, description, priority, tags, due_date, completed, completed_at)
     select ?::text || u, i, 'Task ' || i || ' of user ' || u, case when i % 3 = 0 then 'Some details about task ' || i end,
            (array['low', 'medium', 'high'])[1 + i % 3]::task_priority,
            case when i % 2 = 0 then array['work', 'home'] else '{}' end,
            case when i % 4 = 0 then null else now() + i * interval '1 hour' end,
            ${COMPLETED}, case when ${COMPLETED} then now() end
     from generate_series(?::int, ?::int) as u, generate_series(1, ?::int) as i`,
    [prefix, first, last, perUser],
  );
}

export const FILLER_TASKS_PER_USER = 1000;
/** Filler users per statement: big statements, but a progress line now and then. */
const FILLER_USERS_PER_BATCH = 100;

/**
 * Adds `users` filler users (fill_0…), FILLER_TASKS_PER_USER tasks each, so that the benchmark users' requests
 * run in a larger table. Their rows stand for other people's data, not for requests: they are inserted with
 * the change-log triggers off, and each user's counters are set to what the triggers would have made them.
 */
export async function fill(url: string, users: number, log: (message: string) => void): Promise<void> {
  const db = createDb(url, { bounds: false });
  try {
    const started = Date.now();
    await withoutChangeLogIn(db, async (trx) => {
      for (let first = 0; first < users; first += FILLER_USERS_PER_BATCH) {
        const last = Math.min(users, first + FILLER_USERS_PER_BATCH) - 1;
        await trx.raw(
          `insert into users (id, last_task_id, task_count, completed_count)
           select 'fill_' || u, ?::int, ?::int, (select count(*) from generate_series(1, ?::int) as i where ${COMPLETED})
           from generate_series(?::int, ?::int) as u`,
          [FILLER_TASKS_PER_USER, FILLER_TASKS_PER_USER, FILLER_TASKS_PER_USER, first, last],
        );
        await insertTasks(trx, 'fill_', first, last, FILLER_TASKS_PER_USER);
        log(`filled ${last + 1}/${users} users (${Math.round((Date.now() - started) / 1000)} s)`);
      }
    });
    await db.raw('vacuum analyze tasks');
    await db.raw('vacuum analyze users');
  } finally {
    await db.destroy();
  }
}

/**
 * Removes the filler users and their tasks; returns how many tasks went. The triggers are off here too: the
 * users go with their tasks, so their deletions need no events (up to a million of them) nor counts.
 */
export async function removeFiller(url: string): Promise<number> {
  const db = createDb(url, { bounds: false });
  try {
    let removed = 0;
    await withoutChangeLogIn(db, async (trx) => {
      removed = (await trx.raw<{ rowCount: number }>(`delete from tasks where user_id like 'fill\\_%'`)).rowCount;
      await trx.raw(`delete from users where id like 'fill\\_%'`);
    });
    // Dead rows by the million would otherwise wait for autovacuum, and the statistics would still describe
    // the large table.
    if (removed > 0) {
      await db.raw('vacuum analyze tasks');
      await db.raw('vacuum analyze users');
    }
    return removed;
  } finally {
    await db.destroy();
  }
}

/** `work` in a transaction of its own, without the change log (src/db/change-log.ts). */
function withoutChangeLogIn(db: Knex, work: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
  return db.transaction((trx) => withoutChangeLog(trx, () => work(trx)));
}

/** Rows in the tasks table, everyone's. */
export async function countTasks(url: string): Promise<number> {
  const db = createDb(url, { bounds: false, poolMax: 1 });
  try {
    return (await db.raw<{ rows: Array<{ n: number }> }>('select count(*)::int as n from tasks')).rows[0]!.n;
  } finally {
    await db.destroy();
  }
}

export interface Scenario {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** 'id' is replaced by one of the connection's user's tasks, at random. */
  path: string;
  body?: (n: number) => object;
}

export const SCENARIOS: Scenario[] = [
  { name: 'list (first page of 50)', method: 'GET', path: '/api/tasks?limit=50' },
  { name: 'get one', method: 'GET', path: '/api/tasks/id' },
  { name: 'create', method: 'POST', path: '/api/tasks', body: (n) => ({ title: `Benchmark task ${n}`, priority: 'high', tags: ['bench'] }) },
  { name: 'toggle', method: 'PATCH', path: '/api/tasks/id/complete' },
  { name: 'update', method: 'PUT', path: '/api/tasks/id', body: (n) => ({ title: `Renamed ${n}`, priority: 'low' }) },
];

export interface Run {
  rps: number;
  /** The server's CPU time (all its processes) per request, in microseconds. */
  cpuMicros: number;
  /** PostgreSQL's CPU time (all its processes) per request, in microseconds, when it runs on this machine. */
  postgresMicros: number | undefined;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

/** One autocannon run of a scenario; each connection is one user, picked on its first request. */
/** `postgres`: the server processes of the database (a Citus cluster's every node), empty when not on this machine. */
export async function drive(server: Server, scenario: Scenario, seconds: number, data: Seeded, postgres: readonly number[]): Promise<Run> {
  const users = data.tokens.length;
  const connections = users;
  let nextUser = 0;
  let n = 0;
  const cpuBefore = await cpuSeconds(server.pid);
  const postgresCpuSeconds = async () => (await Promise.all(postgres.map(cpuSeconds))).reduce((a, b) => a + b, 0);
  const postgresBefore = postgres.length === 0 ? undefined : await postgresCpuSeconds();
  const result = await autocannon({
    url: server.base,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [{
      method: scenario.method,
      setupRequest: (request, context: { user?: number }) => {
        context.user ??= nextUser++ % users;
        const ids = data.ids[context.user]!;
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        n += 1;
        return {
          ...request,
          path: scenario.path.replace('/id', `/${id}`),
          headers: { authorization: `Bearer ${data.tokens[context.user]}`, ...(scenario.body ? { 'content-type': 'application/json' } : {}) },
          ...(scenario.body ? { body: JSON.stringify(scenario.body(n)) } : {}),
        };
      },
    }],
  });
  const cpu = (await cpuSeconds(server.pid)) - cpuBefore;
  const postgresCpu = postgresBefore === undefined ? undefined : (await postgresCpuSeconds()) - postgresBefore;
  return {
    postgresMicros: postgresCpu === undefined ? undefined : (postgresCpu * 1e6) / result.requests.total,
    rps: result.requests.total / seconds,
    cpuMicros: (cpu * 1e6) / result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}


export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
