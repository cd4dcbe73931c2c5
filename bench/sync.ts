// `npm run bench:sync [-- --users 100 --streams 10 --writers 50 --seconds 20]`: the event stream under load.
// The API runs in production mode (1 process) on its own embedded PostgreSQL (or BENCH_DATABASE_URL). First
// the writers run with no stream open; then users × streams event streams are opened and the same writers
// run again, each write remembered with when it was sent; afterwards every acknowledged write must have
// reached each of its user's streams exactly once. Prints write-to-delivery latency (p50/p99, from the
// moment the write was sent to the moment a stream received its event), events lost and doubled, the API's
// memory per open stream, and the write throughput with streams open against without. Then what a bulk
// action costs for users with 1,000, 10,000 and 50,000 tasks (one statement, an event per task included),
// against the statement bound every request has. A script, not a test.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { issueToken } from '../src/auth/issue-token.js';
import { createDb } from '../src/db/knex.js';
import { benchDatabase, percentile, residentMemory, startApi } from './support.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100' },
    streams: { type: 'string', default: '10' },
    writers: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
  },
});
const USERS = Number(values.users);
const STREAMS = Number(values.streams);
const WRITERS = Number(values.writers);
const SECONDS = Number(values.seconds);
const SECRET = randomBytes(32).toString('base64url');
const log = (message: string) => console.log(`[sync] ${message}`);

interface Write { user: number; key: string; sentAt: number }

/** One keep-alive request, its JSON answer (or undefined on failure). */
function call(agent: Agent, port: number, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; id: number; version: number } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, agent, method, path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      // The task's version is its ETag, "3".
      res.on('end', () => resolve({ status: res.statusCode ?? 0, id: text ? (JSON.parse(text) as { id: number }).id : 0, version: Number(String(res.headers.etag).replaceAll('"', '')) }));
    });
    req.on('error', () => resolve(undefined));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Writers creating and toggling tasks of users taken in turn, for `seconds`; the acknowledged writes. */
async function runWriters(port: number, tokens: string[], seconds: number): Promise<{ writes: Write[]; errors: number }> {
  const deadline = Date.now() + seconds * 1000;
  const writes: Write[] = [];
  let errors = 0;
  let next = 0;
  const own = tokens.map(() => [] as number[]);
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    while (Date.now() < deadline) {
      const user = next++ % tokens.length;
      const sentAt = performance.now();
      const toggle = own[user]!.length > 0 && Math.random() < 0.5;
      const id = own[user]![Math.floor(Math.random() * own[user]!.length)];
      const answer = toggle
        ? await call(agent, port, tokens[user]!, 'PATCH', `/api/tasks/${id}/complete`)
        : await call(agent, port, tokens[user]!, 'POST', '/api/tasks', { title: `load ${next}` });
      if (!answer || answer.status >= 300) errors++;
      else {
        if (!toggle) own[user]!.push(answer.id);
        writes.push({ user, key: `${answer.id}:${answer.version}`, sentAt });
      }
    }
    agent.destroy();
  }));
  return { writes, errors };
}

const BULK_SIZES = [1_000, 10_000, 50_000];

/** Milliseconds of one request and its status. */
async function timed(port: number, token: string, method: string, path: string, body?: unknown): Promise<string> {
  const agent = new Agent();
  const started = performance.now();
  const answer = await call(agent, port, token, method, path, body);
  agent.destroy();
  return `${(performance.now() - started).toFixed(0)} ms (${answer?.status ?? 'no answer'})`;
}

/** Completing all and then deleting all completed, for users with BULK_SIZES tasks: a table row each. */
async function bulkActions(url: string, port: number, auth: Parameters<typeof issueToken>[0]): Promise<string[]> {
  const db = createDb(url, { bounds: false });
  const rows: string[] = [];
  try {
    for (const size of BULK_SIZES) {
      const user = `bulk_bench_${size}`;
      await db('users').insert({ id: user, last_task_id: size }).onConflict('id').ignore();
      await db.raw(`insert into tasks (user_id, id, title) select ?, i, 'bulk ' || i from generate_series(1, ?) i`, [user, size]);
      const token = await issueToken(auth, { sub: user, ttlSeconds: 600 });
      const complete = await timed(port, token, 'PATCH', '/api/tasks', { completed: true });
      const clear = await timed(port, token, 'DELETE', '/api/tasks/completed');
      rows.push(`| ${size.toLocaleString('en-US')} | ${complete} | ${clear} |`);
    }
  } finally {
    await db.destroy();
  }
  return rows;
}

/** A stream of `token`'s events: when each (task id:version) arrived, and how often. */
function openStream(port: number, token: string): Promise<{ received: Map<string, number[]>; close(): void }> {
  return new Promise((resolve, reject) => {
    const received = new Map<string, number[]>();
    const req = request({ host: '127.0.0.1', port, path: '/api/tasks/events', headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
      let buffer = '';
      let ready = false;
      res.on('data', (chunk: Buffer) => {
        const at = performance.now();
        buffer += chunk.toString();
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (/^event: ready/m.test(block) && !ready) {
            ready = true;
            resolve({ received, close: () => req.destroy() });
          }
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!data || !/^event: task\./m.test(block)) continue;
          const event = JSON.parse(data) as { task?: { id: number }; id?: number; version: number };
          const key = `${event.task?.id ?? event.id}:${event.version}`;
          received.set(key, [...(received.get(key) ?? []), at]);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const { url, cleanup } = await benchDatabase(log);
  const api = await startApi({ DATABASE_URL: url, BETTER_AUTH_SECRET: SECRET, LOG_LEVEL: 'warn', EVENT_STREAMS_PER_USER: String(STREAMS) });
  try {
    const port = Number(new URL(api.base).port);
    const auth = { secret: SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined };
    const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => issueToken(auth, { sub: `sync_bench_${i}`, ttlSeconds: 3600 })));

    log(`${WRITERS} writers for ${SECONDS} s, no stream open`);
    const without = await runWriters(port, tokens, SECONDS);
    const idle = (await residentMemory(api.pid))[0]!.mb;

    log(`opening ${USERS} × ${STREAMS} streams`);
    const streams = await Promise.all(tokens.flatMap((token, user) => Array.from({ length: STREAMS }, async () => ({ user, ...(await openStream(port, token)) }))));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const withStreams = (await residentMemory(api.pid))[0]!.mb;

    log(`${WRITERS} writers for ${SECONDS} s, ${streams.length} streams open`);
    const during = await runWriters(port, tokens, SECONDS);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // the last deliveries
    const peak = (await residentMemory(api.pid))[0]!.mb;

    const latencies: number[] = [];
    let lost = 0;
    let doubled = 0;
    for (const write of during.writes) {
      for (const stream of streams.filter((s) => s.user === write.user)) {
        const times = stream.received.get(write.key);
        if (!times) lost++;
        else {
          if (times.length > 1) doubled += times.length - 1;
          latencies.push(times[0]! - write.sentAt);
        }
      }
    }
    for (const stream of streams) stream.close();
    log('bulk actions');
    const bulk = await bulkActions(url, port, auth);
    latencies.sort((a, b) => a - b);
    const rate = (run: { writes: Write[] }) => run.writes.length / SECONDS;
    const lines = [
      `# npm run bench:sync, ${new Date().toISOString()}`,
      '',
      `${USERS} users × ${STREAMS} streams = ${streams.length} open streams; ${WRITERS} writers (creates and toggles of the users' tasks, taken in turn) for ${SECONDS} s each run; API: 1 process, production mode; hub looks every 250 ms.`,
      '',
      '| measure | value |',
      '| --- | --: |',
      `| writes/s, no stream open | ${rate(without).toFixed(0)} (${without.errors} errors) |`,
      `| writes/s, ${streams.length} streams open | ${rate(during).toFixed(0)} (${during.errors} errors) |`,
      `| throughput with streams ÷ without | ${(rate(during) / rate(without)).toFixed(2)}× |`,
      `| deliveries expected (acknowledged writes × their user's streams) | ${latencies.length + lost} |`,
      `| write-to-delivery latency p50 / p99 / max | ${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 99).toFixed(0)} / ${(latencies.at(-1) ?? NaN).toFixed(0)} ms |`,
      `| events lost | ${lost} |`,
      `| events delivered twice | ${doubled} |`,
      `| API memory per open stream (RSS with ÷ before, idle) | ${(((withStreams - idle) * 1024) / streams.length).toFixed(1)} KB |`,
      `| API RSS: before streams / with them idle / after the run | ${idle.toFixed(0)} / ${withStreams.toFixed(0)} / ${peak.toFixed(0)} MB |`,
      '',
      'Bulk actions, one request each with no other load (the statement bound is 2.5 s; beyond it, 503 and nothing changed):',
      '',
      '| tasks | complete all (PATCH /api/tasks) | delete completed |',
      '| --: | --: | --: |',
      ...bulk,
    ];
    console.log(`\n${lines.join('\n')}`);
    await mkdir('bench/results', { recursive: true });
    const file = `bench/results/sync-${new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-')}.md`;
    await writeFile(file, `${lines.join('\n')}\n`);
    log(`written to ${file}`);
    process.exitCode = lost + doubled > 0 ? 1 : 0;
  } finally {
    await api.stop();
    await cleanup();
  }
}

await main();
