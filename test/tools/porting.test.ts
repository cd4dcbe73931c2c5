// docs/reference/porting.md's adapters, as written there: its TypeScript blocks are taken from the page, type-check
// under strict TypeScript against the client's source, and answer a Phase II frontend's `{tasks, total}`
// from a live API for a user with more tasks than one page holds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createTasksClient } from '../../packages/client/src/index.js';
import { ROOT } from '../support/cli.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

const TASKS = 130;

interface Adapters {
  listTasksAsBefore(api: unknown, query?: object): Promise<{ tasks: Array<{ id: number }>; total: number }>;
  countsAsBefore(api: unknown): Promise<{ total: number; pending: number; completed: number }>;
  listTasksWithFetch(baseUrl: string, token: string, query?: string): Promise<{ tasks: unknown[]; total: number }>;
}

describe('the porting notes’ adapters', () => {
  let app: TestApp;
  let user: { id: string; token: string };
  let adapters: Adapters;
  before(async () => {
    app = await startTestApp();
    user = await newUser();
    for (let i = 0; i < TASKS; i++) {
      const created = await app.request('POST', '/api/tasks', { token: user.token, body: { title: `Task ${i}`, completed: i % 10 === 0 } });
      assert.equal(created.status, 201);
    }
    const page = await readFile(join(ROOT, 'docs', 'reference', 'porting.md'), 'utf8');
    const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
    assert.equal(blocks.length, 2, 'the client adapter and the fetch adapter');
    const dir = join(ROOT, 'test-output', 'porting');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'adapters.ts');
    const client = join(ROOT, 'packages', 'client', 'src', 'index.js');
    await writeFile(file, blocks.join('\n').replace("'@tasks-api/client'", JSON.stringify(client)));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--lib', 'ES2022,DOM', '--types', 'node', '--skipLibCheck'];
    await promisify(execFile)(process.execPath, [tsc, ...flags, file]).catch((error: { stdout?: string }) => assert.fail(`docs/reference/porting.md's code does not type-check:\n${error.stdout}`));
    adapters = (await import(pathToFileURL(file).href)) as Adapters;
  });
  after(() => app.close());

  it('when a Phase II list is asked of the client adapter, then every page comes back as {tasks, total}, and the counts from the summary', async () => {
    const api = createTasksClient({ baseUrl: app.baseUrl, getToken: () => user.token });
    const all = await adapters.listTasksAsBefore(api, { limit: 50 });
    assert.equal(all.total, TASKS);
    assert.equal(new Set(all.tasks.map((t) => t.id)).size, TASKS);
    assert.equal((await adapters.listTasksAsBefore(api, { status: 'completed' })).total, TASKS / 10);
    assert.deepEqual(await adapters.countsAsBefore(api), { total: TASKS, pending: TASKS - TASKS / 10, completed: TASKS / 10 });
  });

  it('when a Phase II list is asked with plain fetch, then it follows Link through every page', async () => {
    const all = await adapters.listTasksWithFetch(app.baseUrl, user.token, 'sort=title');
    assert.equal(all.total, TASKS, 'more than the first page of 100');
    await assert.rejects(adapters.listTasksWithFetch(app.baseUrl, 'not a token'), /listing failed: 401/);
  });
});
