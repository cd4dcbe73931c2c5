// The generated client against the running server: if the contract changes in a way that breaks clients,
// this file stops compiling or its assertions fail.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTasksClient, TasksApiError, type Task } from '../../packages/client/src/index.js';
import { newUser, newUserId, signToken, startTestApp, type TestApp } from '../helpers.js';
import type { TaskStreamEvent } from '../../packages/client/src/index.js';
import { until } from '../support/until.js';

let app: TestApp;
before(async () => {
  app = await startTestApp({ sync: { pollMs: 50, heartbeatMs: 15_000, retryMs: 200, slowConsumerMs: 30_000, perUser: 5 } });
});
after(() => app.close());

describe('the generated client', () => {
  it('when a frontend works through a whole session, then every call is typed and behaves as the contract says', async () => {
    const user = await newUser();
    const api = createTasksClient({ baseUrl: app.baseUrl, getToken: () => user.token });

    const created: Task[] = [];
    for (let i = 0; i < 7; i++) {
      created.push(await api.createTask({ title: `Task ${i}`, priority: i % 2 ? 'high' : 'low', tags: i < 3 ? ['home'] : [] }));
    }
    const retried = await api.createTask({ title: 'Once' }, { idempotencyKey: 'client-key' });
    assert.equal((await api.createTask({ title: 'Once' }, { idempotencyKey: 'client-key' })).id, retried.id);

    const { tasks: high, next } = await api.listTasks({ priority: 'high', sort: 'title', limit: 2 });
    assert.deepEqual(high.map((t) => t.title), ['Task 1', 'Task 3']);
    assert.ok(next, 'more pages follow');

    const everything: Task[] = [];
    for await (const task of api.allTasks({ sort: 'created', order: 'asc', limit: 3 })) everything.push(task);
    assert.deepEqual(everything.map((t) => t.id), [...created.map((t) => t.id), retried.id]);

    const home: string[] = [];
    for await (const task of api.allTasks({ tag: ['home'], limit: 1 })) home.push(task.title);
    assert.deepEqual(home.sort(), ['Task 0', 'Task 1', 'Task 2']);

    const { etag } = await api.getTask(created[0]!.id);
    const updated = await api.updateTask(created[0]!.id, { description: 'Now with details' }, { ifMatch: etag });
    assert.equal(updated.task.description, 'Now with details');
    await assert.rejects(api.updateTask(created[0]!.id, { title: 'stale' }, { ifMatch: etag }), (error: unknown) => {
      assert.ok(error instanceof TasksApiError);
      assert.equal(error.status, 412);
      assert.equal(error.problem.status, 412);
      return true;
    });
    const patched = await api.patchTask(created[0]!.id, { description: null, priority: 'high' }, { ifMatch: updated.etag });
    assert.deepEqual([patched.task.description, patched.task.priority, patched.task.title], [null, 'high', updated.task.title]);

    assert.equal((await api.setCompleted(created[1]!.id)).task.completed, true);
    assert.equal((await api.setCompleted(created[1]!.id, true)).task.completed, true);
    assert.equal((await api.setCompleted(created[1]!.id)).task.completed, false);

    await api.deleteTask(created[2]!.id);
    await assert.rejects(api.getTask(created[2]!.id), (error: unknown) => error instanceof TasksApiError && error.status === 404);
  });

  it('when the API refuses a request, then the problem arrives as a typed error with its field errors', async () => {
    const api = createTasksClient({ baseUrl: app.baseUrl, getToken: async () => (await newUser()).token });
    await assert.rejects(api.createTask({ title: '   ' }), (error: unknown) => {
      assert.ok(error instanceof TasksApiError);
      assert.equal(error.status, 400);
      assert.equal(error.problem.errors?.[0]?.field, '/title');
      return true;
    });
    const anonymous = createTasksClient({ baseUrl: app.baseUrl, getToken: () => undefined });
    await assert.rejects(anonymous.listTasks(), (error: unknown) => error instanceof TasksApiError && error.status === 401);
  });

  it('when a held token is refused, then the request goes again once with a fresh token, body and all; a fresh token refused is the 401', async () => {
    const user = await newUser();
    const refused = await signToken(user.id, { secret: 'a secret this API does not know, 32+ characters' });
    let calls = 0;
    const api = createTasksClient({ baseUrl: app.baseUrl, getToken: () => (calls++ === 0 ? refused : user.token) });
    const isUnauthorized = (error: unknown) => error instanceof TasksApiError && error.status === 401;
    await assert.rejects(api.summary(), isUnauthorized, 'a token fetched for this request and refused: no retry can help');
    assert.equal(api.tokensFetched, 1);

    const task = await api.createTask({ title: 'Sent twice, created once' }, { idempotencyKey: 'retried-after-401' });
    assert.equal(api.tokensFetched, 2, 'the held token was refused, so a fresh one was fetched');
    assert.deepEqual((await api.listTasks()).tasks.map((t) => t.id), [task.id]);
    assert.equal(api.tokensFetched, 2, 'and kept');

    const hopeless = createTasksClient({ baseUrl: app.baseUrl, getToken: () => refused });
    await assert.rejects(hopeless.summary(), isUnauthorized);
    await assert.rejects(hopeless.summary(), isUnauthorized);
    assert.equal(hopeless.tokensFetched, 2, 'one retry for the held token, no loop');
  });

  it('when two devices of one user are subscribed, then what one does reaches the other, and counts, changes and bulk actions agree', async () => {
    const user = await newUser();
    const phone = createTasksClient({ baseUrl: app.baseUrl, getToken: () => user.token });
    const laptop = createTasksClient({ baseUrl: app.baseUrl, getToken: () => user.token });
    const stop = new AbortController();
    const seen = { phone: [] as TaskStreamEvent[], laptop: [] as TaskStreamEvent[] };
    const follow = async (device: keyof typeof seen, client: typeof phone) => {
      for await (const event of client.subscribe({ signal: stop.signal })) seen[device].push(event);
    };
    const following = [follow('phone', phone), follow('laptop', laptop)];
    await until(() => seen.phone.some((e) => e.type === 'ready') && seen.laptop.some((e) => e.type === 'ready'));
    const since = (await laptop.changes()).cursor;

    const milk = await phone.createTask({ title: 'Buy milk' });
    await until(() => seen.laptop.some((e) => e.type === 'task.created' && e.task.id === milk.id));
    await laptop.setCompleted(milk.id, true); // marking complete from the other device
    await until(() => seen.phone.some((e) => e.type === 'task.updated' && e.task.completed));
    assert.deepEqual(await phone.summary(), { total: 1, pending: 0, completed: 1, overdue: 0 });
    assert.equal(await laptop.setCompletedWhere({}, false), 1);
    assert.equal(await phone.deleteCompleted(), 0);
    await until(() => seen.phone.filter((e) => e.type === 'task.updated').length === 2);

    const caughtUp = await laptop.changes(since);
    assert.deepEqual(caughtUp.changed.map((t) => [t.title, t.completed]), [['Buy milk', false]]);
    stop.abort();
    await Promise.all(following);
    for (const device of ['phone', 'laptop'] as const) {
      assert.deepEqual(seen[device].map((e) => e.type), ['ready', 'task.created', 'task.updated', 'task.updated'], device);
    }
  });

  it('when the token expires mid-stream, then the subscription reconnects with a fresh one and misses nothing', async () => {
    const id = newUserId();
    let tokens = 0;
    // The fresh token takes a while to come (a refresh round trip): changes are made meanwhile.
    const getToken = async () => {
      if (tokens++ === 0) return signToken(id, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
      await new Promise((resolve) => setTimeout(resolve, 1200));
      return signToken(id);
    };
    const api = createTasksClient({ baseUrl: app.baseUrl, getToken });
    const writer = createTasksClient({ baseUrl: app.baseUrl, getToken: () => signToken(id) });
    const stop = new AbortController();
    const titles: string[] = [];
    let ready = false;
    const following = (async () => {
      for await (const event of api.subscribe({ signal: stop.signal })) {
        if (event.type === 'ready') ready = true;
        if (event.type === 'task.created') titles.push(event.task.title);
      }
    })();
    // A subscription without a cursor starts from the moment it connects: write only after that.
    await until(() => ready);
    for (let i = 0; i < 6; i++) {
      await writer.createTask({ title: `Task ${i}` });
      await new Promise((resolve) => setTimeout(resolve, 500)); // the first token expires meanwhile
    }
    await until(() => titles.length >= 6);
    stop.abort();
    await following;
    assert.ok(tokens >= 2, 'it connected again with a new token');
    assert.deepEqual(titles, ['Task 0', 'Task 1', 'Task 2', 'Task 3', 'Task 4', 'Task 5'], 'every change once, in order');
  });
});
