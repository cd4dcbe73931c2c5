// `npm run bench:compare -- <revision> [--scenarios get,list] [--rounds 16] [--seconds 2]`: what a change
// bought. The API built from <revision> (a commit, a branch, HEAD~2) in a temporary git worktree, against
// this checkout's build, both running at once on one database, driven in short alternating rounds (one
// first, then the other first) so that this shared machine's drift falls on both alike. Prints each round,
// then per scenario the median of the rounds' requests/s ratios (this checkout ÷ <revision>) and each one's
// CPU µs per request. Compare revisions with the same migrations: both start on the same database. A script,
// not a test; its numbers go into the commit that made the change and docs/explanation/performance.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { drive, median, SCENARIOS, seed, type Run } from './scenarios.js';
import { benchDatabase, postgresPids, startApi } from './support.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scenarios: { type: 'string', default: 'get,list' },
    rounds: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '2' },
  },
});
const revision = positionals[0];
if (!revision) {
  console.error('usage: npm run bench:compare -- <revision> [--scenarios get,list] [--rounds 16] [--seconds 2]');
  process.exit(2);
}
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const scenarios = values.scenarios.split(',').map((name) => {
  const found = SCENARIOS.find((scenario) => scenario.name.startsWith(name));
  if (!found) throw new Error(`no scenario named ${name}: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
});
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = randomBytes(32).toString('base64url');
const log = (message: string) => console.error(`[compare] ${message}`);
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

const commit = git('rev-parse', '--verify', `${revision}^{commit}`);
const worktree = await mkdtemp(join(tmpdir(), 'tasks-api-compare-'));
git('worktree', 'add', '--detach', '--force', worktree, commit);
try {
  // The same packages as this checkout: the comparison is of our code.
  await symlink(join(ROOT, 'node_modules'), join(worktree, 'node_modules'));
  log(`building ${revision} (${commit.slice(0, 7)}) in ${worktree}`);
  execFileSync('npm', ['run', '-s', 'build'], { cwd: worktree, stdio: ['ignore', 'ignore', 'inherit'] });
  await compare(pathToFileURL(join(worktree, 'dist/')));
} finally {
  git('worktree', 'remove', '--force', worktree);
  await rm(worktree, { recursive: true, force: true });
}

async function compare(otherDist: URL): Promise<void> {
  const { url, cleanup } = await benchDatabase(log);
  try {
    const data = await seed(url, 100, SECRET);
    const postgres = await postgresPids(url);
    // As npm run bench runs the API: the rate limiter on, its limit out of reach.
    const env = { DATABASE_URL: url, BETTER_AUTH_SECRET: SECRET, WEB_CONCURRENCY: '1', RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: '1000000000' };
    const before = await startApi(env, [], { dist: otherDist });
    const after = await startApi(env);
    try {
      const lines: string[] = [];
      for (const scenario of scenarios) {
        await drive(before, scenario, SECONDS, data, postgres); // warm-up
        await drive(after, scenario, SECONDS, data, postgres);
        const pairs: Array<{ before: Run; after: Run }> = [];
        for (let round = 1; round <= ROUNDS; round++) {
          const beforeFirst = round % 2 === 1;
          const first = await drive(beforeFirst ? before : after, scenario, SECONDS, data, postgres);
          const second = await drive(beforeFirst ? after : before, scenario, SECONDS, data, postgres);
          const pair = beforeFirst ? { before: first, after: second } : { before: second, after: first };
          pairs.push(pair);
          log(`${scenario.name}, round ${round}: ${revision} ${pair.before.rps.toFixed(0)} req/s, this ${pair.after.rps.toFixed(0)} req/s (${(pair.after.rps / pair.before.rps).toFixed(3)})`);
        }
        const ratios = pairs.map((pair) => pair.after.rps / pair.before.rps);
        const cpu = (side: 'before' | 'after') => median(pairs.map((pair) => pair[side].cpuMicros)).toFixed(0);
        lines.push(
          `${scenario.name}: this ÷ ${revision} requests/s ${median(ratios).toFixed(3)} (median of ${ROUNDS} rounds of ${SECONDS} s; ` +
            `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}); CPU µs a request ${cpu('before')} → ${cpu('after')}`,
        );
      }
      console.log(lines.join('\n'));
    } finally {
      await Promise.all([before.stop(), after.stop()]);
    }
  } finally {
    await cleanup();
  }
}
