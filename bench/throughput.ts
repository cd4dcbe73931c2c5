// `npm run bench [-- --seconds 8 --rounds 3 --warmup 4 --connections 100 --workers 1,2]`: throughput of the
// API against the baseline (bench/baseline.ts: bare node:http + pg doing the same work), both compiled, both
// running at once on this machine, driven by autocannon. For each worker count (1, then every core) and each
// scenario: a warm-up of each server, then rounds of API, baseline, API, baseline… Prints requests/s, p50,
// p99, errors, the CPU time per request of the server and of PostgreSQL, and the ratio API ÷ baseline (median
// over rounds, with its min–max), then each server's start-up to ready and each process's resident memory
// after the run; writes the same report to bench/results/. `--profile` adds CPU profiles (see
// bench/profile.ts). A script, not a test.
//
// `--growth [--growth-rows 1000000]`: then, after those levels, how the cost grows with the size of the tasks
// table: at 1 worker, for get one, list and create (those of them --scenarios leaves), the same rounds at the
// table as seeded, then again once filler users (fill_*, 1,000 tasks each) have brought it to at least
// --growth-rows tasks; adds a table of both sizes' requests/s and their ratio to the report. The benchmark
// users are seeded afresh before each size, and the filler is removed at the end.
//
// Database: see bench/support.ts (BENCH_DATABASE_URL, or a fresh embedded PostgreSQL). Its users named
// ab_* and fill_* are replaced; anything else in it is left alone (and counts towards the table's size).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, hostname, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDb } from '../src/db/knex.js';
import {
  countTasks, drive, fill, FILLER_TASKS_PER_USER, median, removeFiller, seed, SCENARIOS, TASKS_PER_USER,
  type Run, type Scenario, type Seeded,
} from './scenarios.js';
import { benchDatabase, postgresPids, residentMemory, startApi, startBaseline, throughputSettings } from './support.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '4' },
    connections: { type: 'string', default: '100' },
    workers: { type: 'string', default: `1,${availableParallelism()}` },
    scenarios: { type: 'string' },
    /**
     * Writes V8 CPU profiles of the servers' processes to bench/results/profiles/{api,baseline}/ (open them in
     * Chrome DevTools or speedscope, or summarize them by layer with `npm run bench:profile`).
     */
    profile: { type: 'boolean', default: false },
    /** Extra node flags for the API's processes, e.g. "--max-semi-space-size=8". */
    'node-flags': { type: 'string', default: '' },
    /** After the levels: get, list and create at 1 worker, at the seeded table and at --growth-rows tasks. */
    growth: { type: 'boolean', default: false },
    /** The larger table's size in tasks, at least (filler is added until it holds this many). */
    'growth-rows': { type: 'string', default: '1000000' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const WORKER_COUNTS = [...new Set(values.workers.split(',').map(Number))];
const GROWTH_ROWS = Number(values['growth-rows']);
/** The scenarios --growth measures: a read by key, a page, and an insert, each into a larger table. */
const GROWTH_SCENARIOS = ['list', 'get', 'create'];
const USERS = CONNECTIONS; // each connection is its own user: no two connections write the same rows
const SECRET = randomBytes(32).toString('base64url');
const log = (message: string) => console.error(`[bench] ${message}`);

interface Level {
  workers: number;
  readyAfterMs: { api: number; baseline: number };
  scenarios: Array<{ scenario: string; api: Run[]; baseline: Run[] }>;
  memory: { api: Array<{ pid: number; mb: number }>; baseline: Array<{ pid: number; mb: number }> };
}

async function measureLevel(url: string, workers: number, data: Seeded, scenarios: Scenario[], postgres: readonly number[]): Promise<Level> {
  const api = await startApi(throughputSettings(url, SECRET, workers), [
    ...values['node-flags'].split(' ').filter(Boolean),
    ...profiling('api'),
  ]);
  const baseline = await startBaseline({ databaseUrl: url, secret: SECRET, workers }, profiling('baseline'));
  try {
    const level: Level = { workers, readyAfterMs: { api: api.readyAfterMs, baseline: baseline.readyAfterMs }, scenarios: [], memory: { api: [], baseline: [] } };
    for (const scenario of scenarios) {
      log(`${workers} worker(s), ${scenario.name}: warm-up`);
      await drive(api, scenario, WARMUP, data, postgres);
      await drive(baseline, scenario, WARMUP, data, postgres);
      const runs = { scenario: scenario.name, api: [] as Run[], baseline: [] as Run[] };
      for (let round = 1; round <= ROUNDS; round++) {
        runs.api.push(await drive(api, scenario, SECONDS, data, postgres));
        runs.baseline.push(await drive(baseline, scenario, SECONDS, data, postgres));
        log(`  round ${round}: API ${runs.api.at(-1)!.rps.toFixed(0)} req/s, baseline ${runs.baseline.at(-1)!.rps.toFixed(0)} req/s`);
      }
      level.scenarios.push(runs);
    }
    level.memory = { api: await residentMemory(api.pid), baseline: await residentMemory(baseline.pid) };
    return level;
  } finally {
    await Promise.all([api.stop(), baseline.stop()]);
  }
}

function profiling(server: 'api' | 'baseline'): string[] {
  return values.profile ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL(`./results/profiles/${server}/`, import.meta.url))}`] : [];
}


function table(level: Level): string {
  const lines = [
    '| scenario | API req/s | API p50 / p99 ms | API errors | API CPU µs/req (PostgreSQL) | baseline req/s | baseline p50 / p99 ms | baseline errors | baseline CPU µs/req (PostgreSQL) | API ÷ baseline req/s (min–max) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const { scenario, api, baseline } of level.scenarios) {
    const ratios = api.map((run, i) => run.rps / baseline[i]!.rps);
    const cell = (runs: Run[]) =>
      [
        median(runs.map((r) => r.rps)).toFixed(0),
        `${median(runs.map((r) => r.p50)).toFixed(0)} / ${median(runs.map((r) => r.p99)).toFixed(0)}`,
        String(runs.reduce((s, r) => s + r.errors, 0)),
        `${median(runs.map((r) => r.cpuMicros)).toFixed(0)}${runs[0]!.postgresMicros === undefined ? '' : ` (${median(runs.map((r) => r.postgresMicros!)).toFixed(0)})`}`,
      ];
    const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
    lines.push(`| ${scenario} | ${[...cell(api), ...cell(baseline)].join(' | ')} | ${pct(median(ratios))} (${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))}) |`);
  }
  const rss = (list: Array<{ mb: number }>) => list.map((p) => p.mb.toFixed(0)).join(', ');
  lines.push('', `Start-up to ready (spawn to the first 200 on /api/ready, with DATABASE_URL): API ${(level.readyAfterMs.api / 1000).toFixed(2)} s; baseline ${(level.readyAfterMs.baseline / 1000).toFixed(2)} s.`);
  lines.push('', `Resident memory after the run, MB per process (${level.workers > 1 ? 'primary, then workers' : 'one process'}): API ${rss(level.memory.api)}; baseline ${rss(level.memory.baseline)}.`);
  return lines.join('\n');
}

/** One table size of --growth: the tasks counted before and after its rounds (create adds some), its level. */
interface Size {
  tasks: { before: number; after: number };
  fillerUsers: number;
  level: Level;
}

/** --growth: the scenarios at 1 worker at the table as seeded, then at GROWTH_ROWS tasks or more. */
async function measureGrowth(url: string, scenarios: Scenario[], postgres: readonly number[]): Promise<[Size, Size]> {
  const stale = await removeFiller(url); // left by a run that was interrupted
  if (stale > 0) log(`growth: removed ${stale} filler tasks of an earlier run`);
  try {
    const seeded = await measureSize(url, scenarios, postgres, () => Promise.resolve(0));
    const grown = await measureSize(url, scenarios, postgres, () => grow(url));
    return [seeded, grown];
  } finally {
    log('growth: removing the filler');
    await removeFiller(url);
  }
}

/**
 * The benchmark users seeded afresh (so that both sizes start from the same rows of theirs, whatever an earlier
 * create added), then `enlarge`, then the scenarios at 1 worker.
 */
async function measureSize(url: string, scenarios: Scenario[], postgres: readonly number[], enlarge: () => Promise<number>): Promise<Size> {
  const data = await seed(url, USERS, SECRET);
  const fillerUsers = await enlarge();
  const before = await countTasks(url);
  log(`growth: measuring with ${before.toLocaleString('en-US')} tasks in the table`);
  const level = await measureLevel(url, 1, data, scenarios, postgres);
  return { tasks: { before, after: await countTasks(url) }, fillerUsers, level };
}

/** Adds filler users until the table holds GROWTH_ROWS tasks; returns how many. */
async function grow(url: string): Promise<number> {
  const tasks = await countTasks(url);
  const users = Math.ceil(Math.max(0, GROWTH_ROWS - tasks) / FILLER_TASKS_PER_USER);
  log(`growth: ${tasks.toLocaleString('en-US')} tasks; adding ${users} filler users of ${FILLER_TASKS_PER_USER.toLocaleString('en-US')} tasks`);
  await fill(url, users, log);
  return users;
}

function growthTable([seeded, grown]: [Size, Size]): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const lines = [
    `| scenario | API req/s at ${count(seeded.tasks.before)} tasks | at ${count(grown.tasks.before)} tasks | ratio | baseline req/s at ${count(seeded.tasks.before)} tasks | at ${count(grown.tasks.before)} tasks | ratio |`,
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const [i, { scenario }] of seeded.level.scenarios.entries()) {
    const rps = (size: Size, side: 'api' | 'baseline') => median(size.level.scenarios[i]![side].map((r) => r.rps));
    const row = (side: 'api' | 'baseline') => [rps(seeded, side).toFixed(0), rps(grown, side).toFixed(0), (rps(grown, side) / rps(seeded, side)).toFixed(2)];
    lines.push(`| ${scenario} | ${[...row('api'), ...row('baseline')].join(' | ')} |`);
  }
  const span = (size: Size) => `${count(size.tasks.before)} → ${count(size.tasks.after)}`;
  lines.push(
    '',
    `Ratio: req/s at the larger table ÷ at the seeded one (median over rounds). Tasks in the table (select count(*) from tasks)`,
    `before → after each size's rounds (create adds rows): ${span(seeded)}; ${span(grown)}, of which ${count(grown.fillerUsers * FILLER_TASKS_PER_USER)}`,
    `are filler (${count(grown.fillerUsers)} users of ${count(FILLER_TASKS_PER_USER)} tasks, inserted without the change-log triggers, then vacuum analyze; removed after).`,
    `The ${USERS} benchmark users are seeded afresh (${TASKS_PER_USER} tasks each) before each size.`,
  );
  return lines.join('\n');
}

function scaling(levels: Level[]): string {
  if (levels.length < 2) return '';
  const [first, last] = [levels[0]!, levels.at(-1)!];
  const lines = [
    `| scenario | API ${first.workers} → ${last.workers} workers, req/s | × | baseline ${first.workers} → ${last.workers}, req/s | × |`,
    '|---|--:|--:|--:|--:|',
  ];
  for (const [i, { scenario }] of first.scenarios.entries()) {
    const rps = (level: Level, side: 'api' | 'baseline') => median(level.scenarios[i]![side].map((r) => r.rps));
    const row = (side: 'api' | 'baseline') => [`${rps(first, side).toFixed(0)} → ${rps(last, side).toFixed(0)}`, `${(rps(last, side) / rps(first, side)).toFixed(2)}`];
    lines.push(`| ${scenario} | ${[...row('api'), ...row('baseline')].join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const scenarios = values.scenarios ? SCENARIOS.filter((s) => values.scenarios!.split(',').some((n) => s.name.startsWith(n))) : SCENARIOS;
  const growthScenarios = scenarios.filter((s) => GROWTH_SCENARIOS.some((n) => s.name.startsWith(n)));
  // Checked before the levels run, not after.
  if (values.growth && growthScenarios.length === 0) throw new Error(`--growth measures ${GROWTH_SCENARIOS.join(', ')}; --scenarios leaves none of them`);
  if (values.growth && !(Number.isInteger(GROWTH_ROWS) && GROWTH_ROWS > 0)) throw new Error(`--growth-rows must be a positive whole number, not "${values['growth-rows']}"`);
  const { url, cleanup } = await benchDatabase(log);
  try {
    log(`seeding ${USERS} users with ${TASKS_PER_USER} tasks each`);
    const data = await seed(url, USERS, SECRET);
    const db = createDb(url, { bounds: false });
    const version = (await db.raw<{ rows: Array<{ server_version: string }> }>('show server_version')).rows[0]!.server_version;
    const citus = (await db.raw<{ rows: Array<{ extversion: string }> }>("select extversion from pg_extension where extname = 'citus'")).rows[0];
    const nodes = citus ? (await db.raw<{ rows: Array<{ n: number }> }>('select count(*)::int as n from pg_dist_node')).rows[0]!.n : 0;
    const postgres = citus ? `${version}, Citus ${citus.extversion} on ${nodes} nodes` : version;
    const postgresPid = await postgresPids(url);
    await db.destroy();
    const levels: Level[] = [];
    for (const workers of WORKER_COUNTS) levels.push(await measureLevel(url, workers, data, scenarios, postgresPid));
    const growth = values.growth ? await measureGrowth(url, growthScenarios, postgresPid) : undefined;

    const date = new Date().toISOString();
    const machine = `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL ${postgres}`;
    const report = [
      `# Tasks API ÷ baseline, ${date.slice(0, 10)}`,
      '',
      `Machine: ${machine}, host ${hostname()}. Database: ${benchDatabaseLabel(url)}.`,
      `Load: autocannon, ${CONNECTIONS} connections (one user each, ${TASKS_PER_USER} tasks per user), ${ROUNDS} rounds of ${SECONDS} s per server`,
      `and scenario, alternating API / baseline, after ${WARMUP} s of warm-up each. Load generator, both servers and PostgreSQL share the machine.`,
      '',
      ...levels.flatMap((level) => [`## ${level.workers} worker${level.workers > 1 ? 's' : ''} per server`, '', table(level), '']),
      ...(levels.length > 1 ? ['## Scaling across workers (median req/s)', '', scaling(levels), ''] : []),
      ...(growth ? [
        '## A larger tasks table, 1 worker per server (median req/s)', '', growthTable(growth), '',
        ...growth.flatMap((size) => [`### ${size.tasks.before.toLocaleString('en-US')} tasks in the table`, '', table(size.level), '']),
      ] : []),
    ].join('\n');
    console.log(`\n${report}`);
    const dir = new URL('./results/', import.meta.url);
    await mkdir(dir, { recursive: true });
    const file = new URL(`${date.slice(0, 16).replace(/[T:]/g, '-')}.md`, dir);
    await writeFile(file, report);
    log(`written to bench/results/${file.pathname.split('/').at(-1)}`);
  } finally {
    await cleanup();
  }
}

/** PostgreSQL's main process, when it runs on this machine and its data directory is readable. */
function benchDatabaseLabel(url: string): string {
  const { hostname: host, port, pathname } = new URL(url);
  return `${host}:${port}${pathname}`;
}

await main();
