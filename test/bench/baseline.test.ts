// `npm run bench` compares the API with bench/baseline.ts, which claims to do the same work: the same token
// check, the same SQL, the same JSON. These tests hold it to that, on the same database and the same tasks,
// so that the comparison stays honest as either side changes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testDatabaseUrl } from '../support/settings.js';
import { freePort } from '../../src/db/free-port.js';
import { newUser, signToken, startTestApp, TEST_SECRET, type TestApp } from '../helpers.js';

const BASELINE = fileURLToPath(new URL('../../bench/baseline.ts', import.meta.url));

let app: TestApp;
let baseline: { url: string; process: ChildProcess };

before(async () => {
  app = await startTestApp();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), BASELINE, '--port', String(port), '--database-url', testDatabaseUrl()!, `--secret=${TEST_SECRET}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  baseline = { url: `http://127.0.0.1:${port}`, process: child };
  const deadline = Date.now() + 15_000;
  while (!(await fetch(`${baseline.url}/api/tasks`, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the baseline server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
after(async () => {
  baseline.process.kill('SIGTERM');
  await app.close();
});

async function fromBaseline(method: string, path: string, token: string, body?: object) {
  const res = await fetch(`${baseline.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/** A task's fields that are the same whichever server wrote it (ids and times differ by nature). */
const shape = ({ id: _id, created_at: _c, updated_at: _u, completed_at: completedAt, ...rest }: Record<string, unknown>) => ({
  ...rest,
  completed_at: completedAt === null ? null : 'set',
});

describe('the benchmark baseline does what the API does', () => {
  it('when both are asked for the same task and the same first page, then the JSON and ETags are identical', async () => {
    const user = await newUser();
    for (let i = 0; i < 55; i++) {
      const created = await app.request('POST', '/api/tasks', { token: user.token, body: { title: `Task ${i}`, tags: i % 2 ? ['a'] : [], priority: 'high' } });
      assert.equal(created.status, 201);
    }
    const page = await app.request('GET', '/api/tasks?limit=50', { token: user.token });
    const same = await fromBaseline('GET', '/api/tasks?limit=50', user.token);
    assert.equal(same.status, 200);
    assert.deepEqual(same.body, page.body);
    assert.match(same.headers.get('link') ?? '', /rel="next"/); // 55 tasks: a next page, as the API says
    assert.match(page.headers.get('link') ?? '', /rel="next"/);

    const id = (page.body as Array<{ id: number }>)[3]!.id;
    const one = await app.request('GET', `/api/tasks/${id}`, { token: user.token });
    const sameOne = await fromBaseline('GET', `/api/tasks/${id}`, user.token);
    assert.deepEqual(sameOne.body, one.body);
    assert.equal(sameOne.headers.get('etag'), one.headers.get('etag'));
  });

  it('when both create, toggle and update a task the same way, then the results have the same shape and values', async () => {
    const user = await newUser();
    const body = { title: '  Same task ', description: 'details', priority: 'low', tags: ['x', 'y'] };
    const viaApi = await app.request('POST', '/api/tasks', { token: user.token, body });
    const viaBaseline = await fromBaseline('POST', '/api/tasks', user.token, body);
    assert.equal(viaBaseline.status, 201);
    assert.deepEqual(shape(viaBaseline.body), shape(viaApi.body));
    assert.deepEqual(Object.keys(viaBaseline.body), Object.keys(viaApi.body));

    const toggled = await app.request('PATCH', `/api/tasks/${viaApi.body.id}/complete`, { token: user.token });
    const toggledToo = await fromBaseline('PATCH', `/api/tasks/${viaBaseline.body.id}/complete`, user.token);
    assert.deepEqual(shape(toggledToo.body), shape(toggled.body));
    assert.equal(toggledToo.headers.get('etag'), toggled.headers.get('etag'));

    const change = { title: 'Renamed', priority: 'high' };
    const updated = await app.request('PUT', `/api/tasks/${viaApi.body.id}`, { token: user.token, body: change });
    const updatedToo = await fromBaseline('PUT', `/api/tasks/${viaBaseline.body.id}`, user.token, change);
    assert.deepEqual(shape(updatedToo.body), shape(updated.body));
    assert.equal(updatedToo.headers.get('etag'), updated.headers.get('etag'));
  });

  it("when a token is forged, expired or another user's task is asked for, then the baseline refuses it too", async () => {
    const [owner, other] = [await newUser(), await newUser()];
    const created = await app.request('POST', '/api/tasks', { token: owner.token, body: { title: 'Mine' } });
    assert.equal((await fromBaseline('GET', `/api/tasks/${created.body.id}`, other.token)).status, 404);
    const forged = await signToken(owner.id, { secret: 'another secret, forty characters long....' });
    assert.equal((await fromBaseline('GET', '/api/tasks', forged)).status, 401);
    const expired = await signToken(owner.id, { expiresIn: Math.floor(Date.now() / 1000) - 31 });
    assert.equal((await fromBaseline('GET', '/api/tasks', expired)).status, 401);
  });
});
