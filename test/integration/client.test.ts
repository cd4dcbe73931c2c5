// The generated client against the running server: if the contract changes in a way that breaks clients,
// this file stops compiling or its assertions fail.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTasksClient, TasksApiError, type Task } from '../../src/client/index.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
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
});
