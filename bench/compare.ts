// `npm run bench:compare -- <revision> [--scenarios get,list] [--rounds 16] [--seconds 2]`: what a change
// bought. The API built from <revision> (a commit, a branch, HEAD~2) in a temporary git worktree, against
// this checkout's build, both started on one database and loaded in turn, in short alternating rounds (one
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
import { benchDatabase, postgresPids, startApi, throughputSettings, type Server } from './support.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scenarios: { type: 'string', default: 'get,list' },
    rounds: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '2' },
  },
});
const usage = 'usage: npm run bench:compare -- <revision> [--scenarios get,list] [--rounds 16 (even)] [--seconds 2]';
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const names = values.scenarios.split(',');
// An even number of rounds gives each build as many first turns as second ones.
if (positionals.length !== 1 || !Number.isInteger(ROUNDS) || ROUNDS < 2 || ROUNDS % 2 !== 0 || !(SECONDS > 0) || names.some((name) => name === '')) {
  console.error(usage);
  process.exit(2);
}
const revision = positionals[0]!;
const scenarios = names.map((name) => {
  const found = SCENARIOS.find((scenario) => scenario.name.startsWith(name));
  if (!found) throw new Error(`no scenario named ${name}: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
});
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = randomBytes(32).toString('base64url');
const log = (message: string) => console.error(`[compare] ${message}`);
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const commit = git('rev-parse', '--verify', `${revision}^{commit}`);
const worktree = await mkdtemp(join(tmpdir(), 'tasks-api-compare-'));
// Ctrl-C ends the run after the round under way, through the same clean-up as an error: no worktree, server
// or database left behind.
let interrupted = false;
process.on('SIGINT', () => (interrupted = true)); // on, not once: tsx relays the terminal's signal, so one Ctrl-C can arrive twice
try {
  git('worktree', 'add', '--detach', '--force', worktree, commit);
  // The same packages as this checkout: the comparison is of our code.
  await symlink(join(ROOT, 'node_modules'), join(worktree, 'node_modules'));
  log(`building ${revision} (${commit.slice(0, 7)}) in ${worktree}`);
  execFileSync('npm', ['run', '-s', 'build'], { cwd: worktree, stdio: ['ignore', 'ignore', 'inherit'] });
  await compare(pathToFileURL(join(worktree, 'dist/')));
} finally {
  try {
    git('worktree', 'remove', '--force', worktree);
  } catch {
    git('worktree', 'prune'); // not added, or already gone: forget it if git remembers it
  }
  await rm(worktree, { recursive: true, force: true });
}

async function compare(otherDist: URL): Promise<void> {
  const { url, cleanup } = await benchDatabase(log);
  const servers: Server[] = [];
  try {
    const data = await seed(url, 100, SECRET);
    const postgres = await postgresPids(url);
    const settings = throughputSettings(url, SECRET, 1);
    const before = await startApi(settings, [], { dist: otherDist });
    servers.push(before);
    const after = await startApi(settings);
    servers.push(after);
    const lines: string[] = [];
    for (const scenario of scenarios) {
      await drive(before, scenario, SECONDS, data, postgres); // warm-up
      await drive(after, scenario, SECONDS, data, postgres);
      const pairs: Array<{ before: Run; after: Run }> = [];
      for (let round = 1; round <= ROUNDS; round++) {
        if (interrupted) throw new Error('interrupted');
        const beforeFirst = round % 2 === 1;
        const play = async () => {
          const first = await drive(beforeFirst ? before : after, scenario, SECONDS, data, postgres);
          const second = await drive(beforeFirst ? after : before, scenario, SECONDS, data, postgres);
          return beforeFirst ? { before: first, after: second } : { before: second, after: first };
        };
        // A terminal's Ctrl-C reaches the servers too (one process group), so the round under way may fail.
        const pair = await play().catch((error: unknown) => {
          throw interrupted ? new Error('interrupted') : error;
        });
        // An error answered fast would win the ratio: a round with any is not a comparison.
        if (pair.before.errors + pair.after.errors > 0) {
          throw new Error(`${scenario.name}, round ${round}: ${pair.before.errors} errors from ${revision}, ${pair.after.errors} from this checkout`);
        }
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
    await Promise.all(servers.map((server) => server.stop()));
    await cleanup();
  }
}
