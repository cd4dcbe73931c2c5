// `npm run bench:pooler [-- --seconds 6 --rounds 3 --scenarios get,create]`: what each way to the database
// costs the API, in one run: direct with named prepared statements (the default), direct as behind a
// transaction pooler (DATABASE_POOLER=transaction: unnamed statements, no statement_timeout startup
// parameter), and through PgBouncer 1.18 in transaction mode with its defaults (found at start-up). Rounds
// alternate between the three after a warm-up of each; it prints requests/s, the API's CPU time per
// request and PostgreSQL's (where unnamed statements cost: each is parsed and planned again), with ratios to
// the default. A script, not a test. Needs /usr/sbin/pgbouncer.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDb } from '../src/db/knex.js';
import { startPgBouncer } from '../test/support/pgbouncer.js';
import { drive, median, seed, SCENARIOS, type Run } from './scenarios.js';
import { benchDatabase, postgresPids, startApi, type Server } from './support.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    scenarios: { type: 'string', default: 'list,get,create,toggle,update' },
  },
});
const SECRET = randomBytes(32).toString('base64url');
const log = (message: string) => console.error(`[pooler] ${message}`);

async function main(): Promise<void> {
  const { url, cleanup } = await benchDatabase(log);
  const bouncer = await startPgBouncer(url);
  try {
    const data = await seed(url, Number(values.connections), SECRET);
    const db = createDb(url, { bounds: false });
    const postgres = await postgresPids(url);
    await db.destroy();
    const common = { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_ENABLED: 'false' };
    const modes: Array<{ name: string; server: Server }> = [
      { name: 'direct, named statements', server: await startApi({ ...common, DATABASE_URL: url }) },
      { name: 'direct, DATABASE_POOLER=transaction', server: await startApi({ ...common, DATABASE_URL: url, DATABASE_POOLER: 'transaction' }) },
      { name: 'through PgBouncer 1.18 (transaction mode)', server: await startApi({ ...common, DATABASE_URL: bouncer.url() }) },
    ];
    const scenarios = SCENARIOS.filter((s) => values.scenarios.split(',').some((n) => s.name.startsWith(n)));
    const lines = ['| scenario | mode | req/s | ÷ direct | API CPU µs/req | PostgreSQL CPU µs/req | ÷ direct | errors |', '|---|---|--:|--:|--:|--:|--:|--:|'];
    try {
      for (const scenario of scenarios) {
        const runs = modes.map(() => [] as Run[]);
        for (const mode of modes) await drive(mode.server, scenario, Number(values.warmup), data, postgres);
        for (let round = 1; round <= Number(values.rounds); round++) {
          for (const [i, mode] of modes.entries()) runs[i]!.push(await drive(mode.server, scenario, Number(values.seconds), data, postgres));
          log(`${scenario.name}, round ${round}: ${runs.map((r) => r.at(-1)!.rps.toFixed(0)).join(' / ')} req/s`);
        }
        const rps = runs.map((r) => median(r.map((run) => run.rps)));
        const cpu = runs.map((r) => median(r.map((run) => run.cpuMicros)));
        const pg = runs.map((r) => median(r.map((run) => run.postgresMicros ?? NaN)));
        for (const [i, mode] of modes.entries()) {
          const errors = runs[i]!.reduce((sum, run) => sum + run.errors, 0);
          const total = (j: number) => cpu[j]! + pg[j]!;
          lines.push(`| ${scenario.name} | ${mode.name} | ${rps[i]!.toFixed(0)} | ${(rps[i]! / rps[0]!).toFixed(2)} | ${cpu[i]!.toFixed(0)} | ${pg[i]!.toFixed(0)} | ${(total(i) / total(0)).toFixed(2)} | ${errors} |`);
        }
      }
    } finally {
      await Promise.all(modes.map((mode) => mode.server.stop()));
    }
    console.log(`\n${lines.join('\n')}`);
  } finally {
    await bouncer.stop();
    await cleanup();
  }
}

await main();
