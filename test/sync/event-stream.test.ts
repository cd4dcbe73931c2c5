// The event stream (GET …/tasks/events) as devices use it: every committed change once and in order, a
// reconnect that picks up where it left off, isolation between users under load, the token's expiry, the
// limits, a client that stops reading, shutdown, a stalled database, and two instances of the API.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { newUser, newUserId, signToken, startTestApp, type TestApp } from '../helpers.js';
import { openStream, type OpenStream } from '../support/sse.js';
import { timedAgainst } from '../support/timed.js';
import { until } from '../support/until.js';
import { testDatabaseUrl } from '../support/settings.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const SYNC = { pollMs: 50, heartbeatMs: 300, retryMs: 500, slowConsumerMs: 1000, perUser: 3 };
let app: TestApp;
const open: OpenStream[] = [];
before(async () => {
  app = await startTestApp({ sync: SYNC });
});
after(async () => {
  await Promise.all(open.map((stream) => stream.close()));
  await app.close();
});

async function stream(path: string, token: string, headers: Record<string, string> = {}, on = app): Promise<OpenStream> {
  const opened = await openStream(`${on.baseUrl}${path}`, token, headers);
  open.push(opened);
  return opened;
}

describe('the event stream', () => {
  it('when tasks are created, changed and deleted, then each change comes once, in order, with its id, version and task as the API answered', async () => {
    const user = await newUser();
    const events = await stream('/api/tasks/events', user.token);
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
    const ready = await events.next('ready');
    assert.match(events.text(), /^retry: 500\n\n/, 'how long to wait before reconnecting');
    assert.equal(ready.data.cursor, ready.id);

    const created = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Live', tags: ['a'] } });
    const toggled = await app.request('PATCH', `/api/tasks/${created.body.id}/complete`, { token: user.token });
    const patched = await app.request('PATCH', `/api/tasks/${created.body.id}`, { token: user.token, body: { description: 'on the phone' } });
    await app.request('DELETE', `/api/tasks/${created.body.id}`, { token: user.token });

    const received = [await events.next(), await events.next(), await events.next(), await events.next()];
    assert.deepEqual(received.map((e) => e.event), ['task.created', 'task.updated', 'task.updated', 'task.deleted']);
    assert.deepEqual(received.slice(0, 3).map((e) => e.data), [
      { task: created.body, version: 1 },
      { task: toggled.body, version: 2 },
      { task: patched.body, version: 3 },
    ]);
    assert.deepEqual(received[3]!.data, { id: created.body.id, version: 3 });
    assert.equal(new Set(received.map((e) => e.id)).size, 4, 'each event has an id of its own');
    assert.deepEqual(events.pending(), [], 'nothing more');
  });

  it('when a device reconnects with Last-Event-ID, then it gets exactly the changes it missed, then ready (live, at the last of them), then what follows', async () => {
    const user = await newUser();
    const first = await stream('/api/tasks/events', user.token);
    await first.next('ready');
    const a = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Seen' } });
    const seen = await first.next('task.created');
    await first.close();
    await app.request('PUT', `/api/tasks/${a.body.id}`, { token: user.token, body: { title: 'Missed' } });
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Also missed' } });

    const again = await stream('/api/tasks/events', user.token, { 'last-event-id': seen.id! });
    const [missed, alsoMissed, ready] = [await again.next(), await again.next(), await again.next()];
    assert.deepEqual([missed.event, alsoMissed.event, ready.event], ['task.updated', 'task.created', 'ready'], 'the missed events come first');
    assert.deepEqual([missed.data.task.title, alsoMissed.data.task.title], ['Missed', 'Also missed']);
    assert.deepEqual([ready.id, ready.data.cursor], [alsoMissed.id, alsoMissed.id], 'ready stands where the last missed event does');
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'After' } });
    assert.equal((await again.next()).data.task.title, 'After');
    assert.deepEqual(again.pending(), []);
  });

  it('when the changes after Last-Event-ID are no longer kept, then resync comes first, then what follows', async () => {
    const user = await newUser();
    const { cursor } = (await app.request('GET', '/api/tasks/changes', { token: user.token })).body;
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Forgotten' } });
    await app.db('task_events').where({ user_id: user.id }).delete(); // as if older than a day
    const events = await stream('/api/tasks/events', user.token, { 'last-event-id': cursor });
    const resync = await events.next();
    assert.equal(resync.event, 'resync');
    assert.match(resync.data.reason, /load the list again/);
    assert.equal((await events.next()).event, 'ready', 'then the stream is live');
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'New' } });
    assert.equal((await events.next('task.created')).data.task.title, 'New');
  });

  it('when Last-Event-ID is altered or another user’s, then 400 and no stream', async () => {
    const [user, other] = [await newUser(), await newUser()];
    const { cursor } = (await app.request('GET', '/api/tasks/changes', { token: other.token })).body;
    for (const id of [cursor, `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`]) {
      const res = await app.request('GET', '/api/tasks/events', { token: user.token, headers: { 'last-event-id': id } });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['/Last-Event-ID']);
    }
  });

  it('when nothing happens, then a comment line keeps the stream alive', async () => {
    const user = await newUser();
    const events = await stream('/api/tasks/events', user.token);
    await events.next('ready');
    // Two heartbeats and no event: whenever the machine fires the timer, the comment comes, again.
    await until(() => (events.text().match(/^: keep-alive$/gm) ?? []).length >= 2);
    assert.deepEqual(events.pending().filter((e) => e.event !== 'ready'), [], events.text());
  });

  it('when many users write with several streams each, then every stream gets its user’s changes and no one else’s', async () => {
    const users = await Promise.all(Array.from({ length: 15 }, () => newUser()));
    const streams = await Promise.all(users.flatMap((user) => [stream('/api/tasks/events', user.token), stream(`/api/${encodeURIComponent(user.id)}/tasks/events`, user.token)]));
    await Promise.all(streams.map((s) => s.next('ready')));
    await Promise.all(users.flatMap((user) => [1, 2, 3].map((i) => app.request('POST', '/api/tasks', { token: user.token, body: { title: `${user.id} ${i}` } }))));
    for (const [i, s] of streams.entries()) {
      const owner = users[Math.floor(i / 2)]!;
      const got = [await s.next('task.created'), await s.next('task.created'), await s.next('task.created')];
      assert.ok(got.every((e) => e.data.task.user_id === owner.id && e.data.task.title.startsWith(owner.id)), JSON.stringify(got));
      await new Promise((resolve) => setTimeout(resolve, SYNC.pollMs));
      assert.deepEqual(s.pending().filter((e) => e.event.startsWith('task.')), [], 'nothing of anyone else');
    }
  });

  it('when the token expires, then token-expired ends the stream', async () => {
    const id = newUserId();
    const token = await signToken(id, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const events = await stream('/api/tasks/events', token);
    await events.next('ready');
    const expired = await events.next('token-expired');
    assert.match(expired.data.reason, /expired/);
    await events.ended;
  });

  it('when a user opens more streams than allowed, then 429 with Retry-After, and one closing makes room', async () => {
    const user = await newUser();
    const streams = await Promise.all(Array.from({ length: SYNC.perUser }, () => stream('/api/tasks/events', user.token)));
    await Promise.all(streams.map((s) => s.next('ready')));
    const refused = await app.request('GET', '/api/tasks/events', { token: user.token });
    assert.equal(refused.status, 429);
    assert.ok(refused.headers.get('retry-after'));
    await streams[0]!.close();
    // The server learns of the close when its socket does: until then, 429.
    await until(async () => {
      const res = await app.request('GET', '/api/tasks/events', { token: user.token });
      assert.ok([200, 429].includes(res.status), String(res.status));
      return res.status === 200;
    });
  });

  it('when one user sends a burst of stream requests at once, then no more than the limit open, and another user is served meanwhile', async () => {
    const burst = await startTestApp({ sync: SYNC, poolMax: 2 });
    const user = await newUser();
    const other = await newUser();
    await burst.request('POST', '/api/tasks', { token: other.token, body: { title: 'Mine' } });
    const streams = Array.from({ length: 40 }, () => openStream(`${burst.baseUrl}/api/tasks/events`, user.token));
    const list = burst.request('GET', '/api/tasks', { token: other.token });
    const opened = await Promise.all(streams);
    try {
      assert.deepEqual(
        opened.map((s) => s.status).sort(),
        [...Array(SYNC.perUser).fill(200), ...Array(40 - SYNC.perUser).fill(429)],
        'the slots were counted before any request waited on the database',
      );
      const listed = await list;
      assert.equal(listed.status, 200, 'the burst left the pool to others');
      assert.equal(listed.body.length, 1);
    } finally {
      await Promise.all(opened.map((s) => s.close()));
      await burst.close();
    }
  });

  it('when a client sends HEAD for the stream, then it gets the headers, the response ends, and no stream slot stays taken', async () => {
    const user = await newUser();
    // Keep-alive connections that stay open after their HEAD, as a browser or a monitor keeps them.
    const sockets = await Promise.all(Array.from({ length: SYNC.perUser + 1 }, async () => {
      const socket = connect(app.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const ask = async () => {
        received = '';
        socket.write(`HEAD /api/tasks/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.token}\r\n\r\n`);
        while (!received.includes('\r\n\r\n')) await new Promise((resolve) => socket.once('data', resolve));
        return received;
      };
      return { socket, ask };
    }));
    try {
      for (const { ask } of sockets) {
        const head = await ask();
        assert.match(head, /^HTTP\/1\.1 200/);
        assert.match(head, /content-type: text\/event-stream/i);
        assert.doesNotMatch(head, /connection: close/i, 'the connection stays open');
      }
      // The same connection answers again: the first HEAD's response was over.
      assert.match(await sockets[0]!.ask(), /^HTTP\/1\.1 200/);
      const events = await stream('/api/tasks/events', user.token);
      assert.equal(events.status, 200, 'the HEADs hold no slot');
      await events.next('ready');
    } finally {
      for (const { socket } of sockets) socket.destroy();
    }
  });

  it('when a client stops reading while changes pour in, then its stream is let go once the socket is full, not buffered without end', async () => {
    const user = await newUser();
    // Events of about 2.5 KB each, 10,000 of them: far more than the kernel's socket buffers hold.
    const body = { description: 'x'.repeat(1000), tags: Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'t'.repeat(48)}`) };
    await Promise.all(Array.from({ length: 100 }, (_, i) => app.request('POST', '/api/tasks', { token: user.token, body: { title: `Big ${i}`, ...body } })));
    const socket = connect(app.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /api/tasks/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${user.token}\r\n\r\n`);
    socket.pause(); // reads nothing
    for (let round = 0; round < 100; round++) {
      await app.request('PATCH', '/api/tasks', { token: user.token, body: { completed: round % 2 === 0 } });
    }
    await new Promise((resolve) => setTimeout(resolve, SYNC.slowConsumerMs + 1500));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.resume();
    await ended;
    const delivered = received.match(/^event: task\./gm)?.length ?? 0;
    assert.ok(delivered < 10_000, `the stream was cut (${delivered} of 10,000 events delivered)`);
    assert.match(received, /retry: 500\n\n(\r\n0\r\n\r\n)?$/, 'it ended with the retry hint');
    socket.destroy();
  });
});

describe('the event stream across instances and faults', () => {
  it('when a change is made through instance A, then a stream held by instance B gets it within a poll of A’s own', async () => {
    const b = await startTestApp({ sync: SYNC });
    try {
      const user = await newUser();
      const [onA, events] = [await stream('/api/tasks/events', user.token), await stream('/api/tasks/events', user.token, {}, b)];
      await Promise.all([onA.next('ready'), events.next('ready')]);
      await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'From A' } });
      await onA.next('task.created');
      // Both instances read the same change log every pollMs: once A's stream has it, B's follows within
      // one poll period (as late as this machine fires that timer now) and the answer's trip.
      const { value: event, ms, limitMs } = await timedAgainst(SYNC.pollMs, () => events.next('task.created'));
      assert.equal(event.data.task.title, 'From A');
      assert.ok(ms < limitMs, `${ms} ms after instance A's stream (limit ${limitMs})`);
    } finally {
      await b.close();
    }
  });

  it('when the database stalls, then streams stay open and, once it answers, every committed change arrives, none twice', async () => {
    const direct = new URL(testDatabaseUrl()!);
    const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    direct.host = `127.0.0.1:${proxy.port}`;
    const stalled = await startTestApp({ databaseUrl: direct.href, sync: SYNC });
    try {
      const user = await newUser();
      const events = await stream('/api/tasks/events', user.token, {}, stalled);
      await events.next('ready');
      await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Before' } });
      assert.equal((await events.next('task.created')).data.task.title, 'Before');
      const heartbeats = () => (events.text().match(/^: keep-alive$/gm) ?? []).length;
      proxy.stall();
      await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'During' } }); // through the other instance
      const stalledAt = heartbeats();
      await until(() => heartbeats() >= stalledAt + 3); // heartbeats go on while the change log cannot be read
      proxy.resume();
      await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'After' } });
      const titles = [(await events.next('task.created')).data.task.title, (await events.next('task.created')).data.task.title];
      assert.deepEqual(titles, ['During', 'After']);
      assert.ok(!events.pending().some((e) => e.event === 'resync'));
    } finally {
      proxy.resume();
      await stalled.close();
      await proxy.close();
    }
  });

  it('when the server shuts down, then each stream ends with a retry hint', async () => {
    const closing = await startTestApp({ sync: SYNC });
    const user = await newUser();
    const events = await stream('/api/tasks/events', user.token, {}, closing);
    await events.next('ready');
    await closing.drain();
    await events.ended;
    assert.match(events.text(), /retry: 500\n\n$/);
  });

  it('when writes fail or roll back, then no event; every committed one is exactly one, numbered without a gap', async () => {
    const user = await newUser();
    const events = await stream('/api/tasks/events', user.token);
    await events.next('ready');
    const { body: task } = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Counted' } });
    assert.equal((await app.request('PUT', `/api/tasks/${task.id}`, { token: user.token, body: { title: 'x' }, headers: { 'if-match': '"9"' } })).status, 412);
    assert.equal((await app.request('POST', '/api/tasks', { token: user.token, body: { title: '  ' } })).status, 400);
    const trx = await app.db.transaction();
    await trx('tasks').where({ user_id: user.id, id: task.id }).update({ title: 'Rolled back', version: trx.raw('version + 1') });
    await trx.rollback();
    const results = await Promise.all(Array.from({ length: 20 }, () => app.request('PATCH', `/api/tasks/${task.id}/complete`, { token: user.token })));
    assert.ok(results.every((r) => r.status === 200));
    const received = [await events.next('task.created')];
    for (let i = 0; i < 20; i++) received.push(await events.next('task.updated'));
    await new Promise((resolve) => setTimeout(resolve, SYNC.pollMs * 3));
    assert.deepEqual(events.pending(), []);
    assert.deepEqual(received.map((e) => e.data.version), Array.from({ length: 21 }, (_, i) => i + 1), 'one event per committed write, in order');
    assert.ok(!received.some((e) => e.data.task?.title === 'Rolled back'));
    const seqs = (await app.db('task_events').where({ user_id: user.id }).orderBy('seq').pluck('seq')) as number[];
    assert.deepEqual(seqs, Array.from({ length: 21 }, (_, i) => i + 1));
  });
});
