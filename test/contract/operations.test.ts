// Every (operation, status) pair that openapi.yaml declares is exercised here, and each response is checked
// against the declaration: the status is declared, the media type is declared, the body matches its schema,
// and every required header is present and valid. A declared pair without a scenario fails the suite.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertMatchesDeclaration, operations } from './declared.js';
import { newUser, newUserId, startTestApp, TEST_METRICS_TOKEN, type TestApp, type TestResponse } from '../helpers.js';

interface Ctx {
  app: TestApp;
  down: TestApp;
  /** Rate-limited to one request a minute, and the anonymous allowance of this address already spent. */
  limited: TestApp;
  user: { id: string; token: string };
  prefix: string;
  otherUserPrefix: string;
  taskId: number;
  foreignTaskId: number;
}
type Scenario = (c: Ctx) => Promise<TestResponse>;

const big = { title: 't', description: 'x'.repeat(20_000) };
const STALE = { 'if-match': '"999999"' };
const asText = { body: 'title=x', headers: { 'content-type': 'text/plain' } };
const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };
/** A user of a scenario's own, in the scope the scenario runs in. */
async function freshUser(c: Ctx): Promise<{ id: string; token: string; prefix: string }> {
  const user = await newUser();
  return { ...user, prefix: c.prefix === '/api' ? '/api' : `/api/${encodeURIComponent(user.id)}` };
}
const freshTask = async (c: Ctx) =>
  (await c.app.request('POST', `${c.prefix}/tasks`, { token: c.user.token, body: { title: 'Fresh' } })).body.id as number;

// Scenarios per operation, shared by both scopes; `c.prefix` is /api or /api/{user_id}.
const taskScenarios: Record<string, Record<string, Scenario>> = {
  listTasks: {
    200: async (c) => {
      // Two matching tasks and a page of one: the response carries a Link header, checked against the spec.
      await freshTask(c);
      await freshTask(c);
      const res = await c.app.request('GET', `${c.prefix}/tasks?status=pending&sort=title&order=asc&priority=medium&q=fresh&limit=1`, { token: c.user.token });
      assert.match(res.headers.get('link') ?? '', /rel="next"$/);
      return res;
    },
    400: (c) => c.app.request('GET', `${c.prefix}/tasks?sort=title&cursor=not.valid`, { token: c.user.token }),
    401: (c) => c.app.request('GET', `${c.prefix}/tasks`),
    403: (c) => c.app.request('GET', `${c.otherUserPrefix}/tasks`, { token: c.user.token }),
    503: (c) => c.down.request('GET', `${c.prefix}/tasks`, { token: c.user.token }),
    429: (c) => c.limited.request('GET', `${c.prefix}/tasks`),
  },
  createTask: {
    201: (c) => c.app.request('POST', `${c.prefix}/tasks`, { token: c.user.token, body: { title: 'Created', tags: ['a'], due_date: '2030-01-01T00:00:00Z' } }),
    400: (c) => c.app.request('POST', `${c.prefix}/tasks`, { token: c.user.token, body: { title: '  ' } }),
    401: (c) => c.app.request('POST', `${c.prefix}/tasks`, { body: { title: 'x' } }),
    403: (c) => c.app.request('POST', `${c.otherUserPrefix}/tasks`, { token: c.user.token, body: { title: 'x' } }),
    413: (c) => c.app.request('POST', `${c.prefix}/tasks`, { token: c.user.token, body: big }),
    415: (c) => c.app.request('POST', `${c.prefix}/tasks`, { token: c.user.token, ...asText }),
    422: async (c) => {
      const headers = { 'idempotency-key': `contract-${c.prefix}` };
      await c.app.request('POST', `${c.prefix}/tasks`, { token: c.user.token, body: { title: 'First' }, headers });
      return c.app.request('POST', `${c.prefix}/tasks`, { token: c.user.token, body: { title: 'Another' }, headers });
    },
    503: (c) => c.down.request('POST', `${c.prefix}/tasks`, { token: c.user.token, body: { title: 'x' } }),
    429: (c) => c.limited.request('POST', `${c.prefix}/tasks`),
  },
  getTask: {
    200: (c) => c.app.request('GET', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token }),
    304: async (c) => {
      const current = await c.app.request('GET', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token });
      const etag = current.headers.get('etag')!;
      return c.app.request('GET', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, headers: { 'if-none-match': etag } });
    },
    400: (c) => c.app.request('GET', `${c.prefix}/tasks/abc`, { token: c.user.token }),
    401: (c) => c.app.request('GET', `${c.prefix}/tasks/${c.taskId}`),
    403: (c) => c.app.request('GET', `${c.otherUserPrefix}/tasks/${c.taskId}`, { token: c.user.token }),
    404: (c) => c.app.request('GET', `${c.prefix}/tasks/${c.foreignTaskId}`, { token: c.user.token }),
    503: (c) => c.down.request('GET', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token }),
    429: (c) => c.limited.request('GET', `${c.prefix}/tasks/${c.taskId}`),
  },
  updateTask: {
    200: (c) => c.app.request('PUT', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: { priority: 'high', description: null } }),
    400: (c) => c.app.request('PUT', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: {} }),
    401: (c) => c.app.request('PUT', `${c.prefix}/tasks/${c.taskId}`, { body: { title: 'x' } }),
    403: (c) => c.app.request('PUT', `${c.otherUserPrefix}/tasks/${c.taskId}`, { token: c.user.token, body: { title: 'x' } }),
    404: (c) => c.app.request('PUT', `${c.prefix}/tasks/${c.foreignTaskId}`, { token: c.user.token, body: { title: 'x' } }),
    412: (c) => c.app.request('PUT', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: { title: 'x' }, headers: STALE }),
    413: (c) => c.app.request('PUT', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: big }),
    415: (c) => c.app.request('PUT', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, ...asText }),
    503: (c) => c.down.request('PUT', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: { title: 'x' } }),
    429: (c) => c.limited.request('PUT', `${c.prefix}/tasks/${c.taskId}`),
  },
  patchTask: {
    200: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: JSON.stringify({ due_date: null }), headers: MERGE_PATCH }),
    400: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: { title: null } }),
    401: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}`, { body: { title: 'x' } }),
    403: (c) => c.app.request('PATCH', `${c.otherUserPrefix}/tasks/${c.taskId}`, { token: c.user.token, body: { title: 'x' } }),
    404: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.foreignTaskId}`, { token: c.user.token, body: {} }),
    412: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: { title: 'x' }, headers: STALE }),
    413: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: big }),
    415: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, ...asText }),
    503: (c) => c.down.request('PATCH', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, body: { title: 'x' } }),
    429: (c) => c.limited.request('PATCH', `${c.prefix}/tasks/${c.taskId}`),
  },
  deleteTask: {
    204: async (c) => c.app.request('DELETE', `${c.prefix}/tasks/${await freshTask(c)}`, { token: c.user.token }),
    400: (c) => c.app.request('DELETE', `${c.prefix}/tasks/0`, { token: c.user.token }),
    401: (c) => c.app.request('DELETE', `${c.prefix}/tasks/${c.taskId}`),
    403: (c) => c.app.request('DELETE', `${c.otherUserPrefix}/tasks/${c.taskId}`, { token: c.user.token }),
    404: (c) => c.app.request('DELETE', `${c.prefix}/tasks/${c.foreignTaskId}`, { token: c.user.token }),
    412: (c) => c.app.request('DELETE', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token, headers: STALE }),
    503: (c) => c.down.request('DELETE', `${c.prefix}/tasks/${c.taskId}`, { token: c.user.token }),
    429: (c) => c.limited.request('DELETE', `${c.prefix}/tasks/${c.taskId}`),
  },
  toggleTaskCompletion: {
    200: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}/complete`, { token: c.user.token }),
    400: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}/complete`, { token: c.user.token, body: {} }),
    401: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}/complete`),
    403: (c) => c.app.request('PATCH', `${c.otherUserPrefix}/tasks/${c.taskId}/complete`, { token: c.user.token }),
    404: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.foreignTaskId}/complete`, { token: c.user.token }),
    412: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}/complete`, { token: c.user.token, headers: STALE }),
    413: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}/complete`, { token: c.user.token, body: big }),
    415: (c) => c.app.request('PATCH', `${c.prefix}/tasks/${c.taskId}/complete`, { token: c.user.token, ...asText }),
    503: (c) => c.down.request('PATCH', `${c.prefix}/tasks/${c.taskId}/complete`, { token: c.user.token }),
    429: (c) => c.limited.request('PATCH', `${c.prefix}/tasks/${c.taskId}/complete`),
  },
  // The bulk actions and the counts act on a user of their own, so that no other scenario's task goes.
  setTasksCompletion: {
    200: async (c) => {
      const { prefix, token } = await freshUser(c);
      await c.app.request('POST', `${prefix}/tasks`, { token, body: { title: 'Bulk', priority: 'high' } });
      return c.app.request('PATCH', `${prefix}/tasks?priority=high`, { token, body: { completed: true } });
    },
    400: (c) => c.app.request('PATCH', `${c.prefix}/tasks`, { token: c.user.token, body: {} }),
    401: (c) => c.app.request('PATCH', `${c.prefix}/tasks`, { body: { completed: true } }),
    403: (c) => c.app.request('PATCH', `${c.otherUserPrefix}/tasks`, { token: c.user.token, body: { completed: true } }),
    413: (c) => c.app.request('PATCH', `${c.prefix}/tasks`, { token: c.user.token, body: big }),
    415: (c) => c.app.request('PATCH', `${c.prefix}/tasks`, { token: c.user.token, ...asText }),
    503: (c) => c.down.request('PATCH', `${c.prefix}/tasks`, { token: c.user.token, body: { completed: true } }),
    429: (c) => c.limited.request('PATCH', `${c.prefix}/tasks`),
  },
  deleteCompletedTasks: {
    200: async (c) => {
      const { prefix, token } = await freshUser(c);
      await c.app.request('POST', `${prefix}/tasks`, { token, body: { title: 'Done', completed: true } });
      return c.app.request('DELETE', `${prefix}/tasks/completed`, { token });
    },
    400: (c) => c.app.request('DELETE', `${c.prefix}/tasks/completed?all=1`, { token: c.user.token }),
    401: (c) => c.app.request('DELETE', `${c.prefix}/tasks/completed`),
    403: (c) => c.app.request('DELETE', `${c.otherUserPrefix}/tasks/completed`, { token: c.user.token }),
    503: (c) => c.down.request('DELETE', `${c.prefix}/tasks/completed`, { token: c.user.token }),
    429: (c) => c.limited.request('DELETE', `${c.prefix}/tasks/completed`),
  },
  getTaskSummary: {
    200: (c) => c.app.request('GET', `${c.prefix}/tasks/summary`, { token: c.user.token }),
    400: (c) => c.app.request('GET', `${c.prefix}/tasks/summary?status=all`, { token: c.user.token }),
    401: (c) => c.app.request('GET', `${c.prefix}/tasks/summary`),
    403: (c) => c.app.request('GET', `${c.otherUserPrefix}/tasks/summary`, { token: c.user.token }),
    503: (c) => c.down.request('GET', `${c.prefix}/tasks/summary`, { token: c.user.token }),
    429: (c) => c.limited.request('GET', `${c.prefix}/tasks/summary`),
  },
  listTaskChanges: {
    200: async (c) => {
      const { cursor } = (await c.app.request('GET', `${c.prefix}/tasks/changes`, { token: c.user.token })).body as { cursor: string };
      await freshTask(c);
      return c.app.request('GET', `${c.prefix}/tasks/changes?since=${cursor}&limit=10`, { token: c.user.token });
    },
    400: (c) => c.app.request('GET', `${c.prefix}/tasks/changes?since=bm90.YSBjdXJzb3I`, { token: c.user.token }),
    401: (c) => c.app.request('GET', `${c.prefix}/tasks/changes`),
    403: (c) => c.app.request('GET', `${c.otherUserPrefix}/tasks/changes`, { token: c.user.token }),
    410: async (c) => {
      // Changes older than what is kept: here, removed by hand.
      const { prefix, token, id } = await freshUser(c);
      const { cursor } = (await c.app.request('GET', `${prefix}/tasks/changes`, { token })).body as { cursor: string };
      await c.app.request('POST', `${prefix}/tasks`, { token, body: { title: 'Forgotten' } });
      await c.app.request('POST', `${prefix}/tasks`, { token, body: { title: 'Kept' } });
      await c.app.db('task_events').where({ user_id: id, seq: 1 }).delete();
      return c.app.request('GET', `${prefix}/tasks/changes?since=${cursor}`, { token });
    },
    503: (c) => c.down.request('GET', `${c.prefix}/tasks/changes`, { token: c.user.token }),
    429: (c) => c.limited.request('GET', `${c.prefix}/tasks/changes`),
  },
  streamTaskEvents: {
    200: (c) => c.app.request('GET', `${c.prefix}/tasks/events`, { token: c.user.token }),
    400: (c) => c.app.request('GET', `${c.prefix}/tasks/events`, { token: c.user.token, headers: { 'last-event-id': 'bm90.YSBjdXJzb3I' } }),
    401: (c) => c.app.request('GET', `${c.prefix}/tasks/events`),
    403: (c) => c.app.request('GET', `${c.otherUserPrefix}/tasks/events`, { token: c.user.token }),
    503: (c) => c.down.request('GET', `${c.prefix}/tasks/events`, { token: c.user.token }),
    429: (c) => c.limited.request('GET', `${c.prefix}/tasks/events`),
  },
};

const serviceScenarios: Record<string, Record<string, Scenario>> = {
  getHealth: { 200: (c) => c.app.request('GET', '/api/health'), 400: (c) => c.app.request('GET', '/api/health?verbose=1') },
  getReadiness: {
    200: (c) => c.app.request('GET', '/api/ready'),
    400: (c) => c.app.request('GET', '/api/ready?x=1'),
    503: (c) => c.down.request('GET', '/api/ready'),
  },
  getOpenApiYaml: {
    200: (c) => c.app.request('GET', '/openapi.yaml'),
    400: (c) => c.app.request('GET', '/openapi.yaml?x=1'),
    429: (c) => c.limited.request('GET', '/openapi.yaml'),
  },
  getOpenApiJson: {
    200: (c) => c.app.request('GET', '/openapi.json'),
    400: (c) => c.app.request('GET', '/openapi.json?x=1'),
    429: (c) => c.limited.request('GET', '/openapi.json'),
  },
  getApiDocs: {
    200: (c) => c.app.request('GET', '/docs'),
    400: (c) => c.app.request('GET', '/docs?x=1'),
    429: (c) => c.limited.request('GET', '/docs'),
  },
  getApiDocsRedoc: {
    200: (c) => c.app.request('GET', '/docs/redoc'),
    400: (c) => c.app.request('GET', '/docs/redoc?x=1'),
    429: (c) => c.limited.request('GET', '/docs/redoc'),
  },
  getMetrics: {
    200: (c) => c.app.request('GET', '/metrics', { token: TEST_METRICS_TOKEN }),
    400: (c) => c.app.request('GET', '/metrics?x=1', { token: TEST_METRICS_TOKEN }),
    401: (c) => c.app.request('GET', '/metrics', { token: c.user.token }),
    404: async () => {
      const unset = await startTestApp({ metricsToken: undefined });
      try {
        return await unset.request('GET', '/metrics', { token: TEST_METRICS_TOKEN });
      } finally {
        await unset.close();
      }
    },
    429: (c) => c.limited.request('GET', '/metrics'),
  },
};

/** The scenario for a pair, and the URL prefix it runs under (explicit-scope operations contain "User"). */
function scenarioFor(operationId: string, status: string): { scenario?: Scenario; explicit: boolean } {
  const explicit = /User/.test(operationId);
  const base = operationId.replace('User', '');
  return { scenario: (taskScenarios[base] ?? serviceScenarios[base])?.[status], explicit };
}

/**
 * The limited app's requests, each sent again until it is over the limit of one a minute. The window is a fixed
 * minute, and on a busy machine this file outlasts one: a scenario could be the first of a new window. Of three
 * requests in a row at most one is let through, unless two windows end between them, which takes a minute.
 */
function onceOverTheLimit(app: TestApp): TestApp {
  const request: TestApp['request'] = async (...args) => {
    let res = await app.request(...args);
    for (let tries = 1; tries < 3 && res.status !== 429; tries++) res = await app.request(...args);
    return res;
  };
  return { ...app, request };
}

describe('contract: every documented (operation, status) pair', () => {
  let ctx: Omit<Ctx, 'prefix'>;
  before(async () => {
    const app = await startTestApp();
    const down = await startTestApp({ databaseUrl: 'postgres://postgres@127.0.0.1:1/unreachable' });
    const limited = onceOverTheLimit(await startTestApp({ rateLimit: { enabled: true, perMinute: 1 } }));
    assert.equal((await limited.request('GET', '/api/tasks')).status, 429, 'the anonymous allowance is spent');
    const user = await newUser();
    const stranger = await newUser();
    const taskId = (await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Mine' } })).body.id;
    // Ids count each user's own tasks: the stranger's is given an id the user will never reach here.
    await app.request('POST', '/api/tasks', { token: stranger.token, body: { title: 'Theirs' } });
    await app.db('users').where({ id: stranger.id }).update({ last_task_id: 1_000_000 });
    const foreignTaskId = (await app.request('POST', '/api/tasks', { token: stranger.token, body: { title: 'Theirs too' } })).body.id;
    assert.equal(foreignTaskId, 1_000_001);
    ctx = { app, down, limited, user, otherUserPrefix: `/api/${newUserId()}`, taskId, foreignTaskId };
  });
  after(async () => {
    await ctx.app.close();
    await ctx.down.close();
    await ctx.limited.close();
  });

  for (const operation of operations) {
    for (const status of Object.keys(operation.responses).filter((s) => s !== 'default')) {
      it(`${operation.operationId} → ${status}`, async () => {
        const { scenario, explicit } = scenarioFor(operation.operationId, status);
        assert.ok(scenario, `no scenario exercises ${operation.operationId} → ${status}; add one to this file`);
        const res = await scenario({ ...ctx, prefix: explicit ? `/api/${encodeURIComponent(ctx.user.id)}` : '/api' });
        assert.equal(String(res.status), status, res.text.slice(0, 300));
        assertMatchesDeclaration(operation.responses[status]!, res);
      });
    }
  }

  it('no scenario targets a pair the contract does not declare', () => {
    const declared = new Set(operations.flatMap((op) => Object.keys(op.responses).map((s) => `${op.operationId.replace('User', '')} ${s}`)));
    const scenarios = Object.entries({ ...taskScenarios, ...serviceScenarios }).flatMap(([op, byStatus]) => Object.keys(byStatus).map((s) => `${op} ${s}`));
    assert.deepEqual(scenarios.filter((pair) => !declared.has(pair)), []);
  });
});
