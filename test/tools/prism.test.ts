// Contract traffic through Prism's validation proxy: a representative part of what the contract tests send
// (every task operation in both scopes, their successes, conditional requests, idempotent retries, pages,
// the refusals a client meets, and the service routes), each answer checked by Stoplight's validator as well
// as by our own. Valid requests go through a Prism that also validates requests; the ones that are invalid
// on purpose (400, 415, 401) through one that checks only the answers. Any violation Prism reports fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, startTestApp, TEST_METRICS_TOKEN, type TestApp } from '../helpers.js';
import { startPrism, type Prism } from '../support/prism.js';

let app: TestApp;
let strict: Prism;
let answersOnly: Prism;
let user: { id: string; token: string };

before(async () => {
  app = await startTestApp();
  [strict, answersOnly] = await Promise.all([startPrism(app.baseUrl), startPrism(app.baseUrl, { validateRequests: false })]);
  user = await newUser();
});
after(async () => {
  await Promise.all([strict?.stop(), answersOnly?.stop()]);
  await app?.close();
});

interface Sent {
  status: number;
  headers: Headers;
  body: any;
}

/** Sends through `prism`, fails on a status other than `expected` or on any violation Prism reports. */
async function send(prism: Prism, expected: number, method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; token?: string | null } = {}): Promise<Sent> {
  const token = options.token === undefined ? user.token : options.token;
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const res = await fetch(`${prism.baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body,
  });
  const text = await res.text();
  const violations = res.headers.get('sl-violations');
  assert.equal(violations, null, `${method} ${path}: Prism reports ${violations}`);
  assert.equal(res.status, expected, `${method} ${path}: ${text.slice(0, 300)}`);
  return { status: res.status, headers: res.headers, body: /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : text };
}

describe('contract traffic through Prism’s validation proxy', { concurrency: false }, () => {
  for (const scope of ['implicit', 'explicit'] as const) {
    it(`when every task operation is used as documented (${scope} scope), then Prism finds no violation in any request or answer`, async () => {
      const base = scope === 'implicit' ? '/api/tasks' : `/api/${encodeURIComponent(user.id)}/tasks`;
      const created = await send(strict, 201, 'POST', base, { body: { title: 'Through Prism' } });
      const full = await send(strict, 201, 'POST', base, {
        body: { title: 'Everything', description: 'd', completed: true, priority: 'high', tags: ['a', 'b'], due_date: '2030-01-01T09:00:00+01:00' },
        headers: { 'idempotency-key': `prism-${scope}-1` },
      });
      await send(strict, 201, 'POST', base, {
        body: { title: 'Everything', description: 'd', completed: true, priority: 'high', tags: ['a', 'b'], due_date: '2030-01-01T09:00:00+01:00' },
        headers: { 'idempotency-key': `prism-${scope}-1` },
      });
      await send(strict, 422, 'POST', base, { body: { title: 'Another body' }, headers: { 'idempotency-key': `prism-${scope}-1` } });
      const id = created.body.id as number;
      const one = await send(strict, 200, 'GET', `${base}/${id}`);
      await send(strict, 304, 'GET', `${base}/${id}`, { headers: { 'if-none-match': one.headers.get('etag')! } });
      const updated = await send(strict, 200, 'PUT', `${base}/${id}`, { body: { title: 'Renamed', tags: ['x'] }, headers: { 'if-match': one.headers.get('etag')! } });
      await send(strict, 412, 'PUT', `${base}/${id}`, { body: { title: 'Stale' }, headers: { 'if-match': one.headers.get('etag')! } });
      await send(strict, 200, 'PATCH', `${base}/${id}`, { body: { description: null, due_date: '2031-02-03T04:05:06Z' }, headers: { 'content-type': 'application/merge-patch+json' } });
      await send(strict, 200, 'PATCH', `${base}/${id}`, { body: {} });
      await send(strict, 200, 'PATCH', `${base}/${id}/complete`);
      await send(strict, 200, 'PATCH', `${base}/${id}/complete`, { body: { completed: false } });
      assert.notEqual(updated.headers.get('etag'), one.headers.get('etag'));
      const page = await send(strict, 200, 'GET', `${base}?status=all&sort=title&order=asc&priority=high&tag=a&q=every&due_after=2000-01-01T00:00:00Z&due_before=2100-01-01T00:00:00Z&limit=1`);
      assert.equal(page.body.length, 1);
      await send(strict, 200, 'GET', `${base}?limit=1`).then(async (first) => {
        const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
        assert.ok(next, 'a next page');
        await send(strict, 200, 'GET', next);
      });
      await send(strict, 412, 'DELETE', `${base}/${full.body.id}`, { headers: { 'if-match': '"99"' } });
      await send(strict, 204, 'DELETE', `${base}/${full.body.id}`);
      await send(strict, 404, 'GET', `${base}/${full.body.id}`);
      await send(strict, 404, 'PATCH', `${base}/${full.body.id}/complete`);
    });
  }

  it('when a client is refused (403, 400, 415, 401), then each problem matches the contract', async () => {
    const other = await newUser();
    await send(strict, 403, 'GET', `/api/${encodeURIComponent(other.id)}/tasks`);
    await send(strict, 403, 'POST', `/api/${encodeURIComponent(other.id)}/tasks`, { body: { title: 'Not mine' } });
    await send(answersOnly, 400, 'POST', '/api/tasks', { body: { title: '   ' } });
    await send(answersOnly, 400, 'POST', '/api/tasks', { body: { title: 'x', owner: 'me' } });
    await send(answersOnly, 400, 'GET', '/api/tasks?sort=random');
    await send(answersOnly, 400, 'GET', '/api/tasks/9007199254740992');
    await send(answersOnly, 400, 'PATCH', '/api/tasks/1', { body: { title: null } });
    await send(answersOnly, 415, 'POST', '/api/tasks', { body: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await send(answersOnly, 401, 'GET', '/api/tasks', { token: null });
    await send(answersOnly, 401, 'GET', '/api/tasks', { token: 'not.a.token' });
  });

  it('when the service routes are read, then each answer matches the contract', async () => {
    for (const path of ['/api/health', '/api/ready', '/openapi.yaml', '/openapi.json', '/metrics', '/docs', '/docs/redoc']) {
      await send(strict, 200, 'GET', path, { token: path === '/metrics' ? TEST_METRICS_TOKEN : null });
    }
  });
});
