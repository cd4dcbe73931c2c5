// The typed client as a browser runs it: its compiled package in headless Chromium (Debian's, through
// playwright-core, as the docs test does), on a page of another origin than the API, so that fetch's
// binding, every CORS preflight and every reconnect are what a frontend meets. The stream is followed
// through a token that expires, the API restarting, a dropped connection, and a cursor that is no longer kept.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../../src/db/free-port.js';
import { newUser, newUserId, signToken, startTestApp, type TestApp } from '../helpers.js';
import { startClientPage, type ClientPage } from '../support/client-page.js';

const CHROMIUM = '/usr/bin/chromium';
const SYNC = { pollMs: 50, heartbeatMs: 15_000, retryMs: 300, slowConsumerMs: 30_000, perUser: 5 };

interface Seen {
  page: Page;
  errors: string[];
  elsewhere: string[];
  /** The Last-Event-ID of every request for the event stream (null when none was sent). */
  streamRequests: Array<string | null>;
}

const until = async (page: Page, expression: string, timeout = 10_000) => {
  await page.waitForFunction(expression, undefined, { timeout, polling: 50 }).catch(async () => {
    const state = await page.evaluate('JSON.stringify({ events: harness.events, states: harness.states, failure: harness.failure })');
    assert.fail(`${expression} did not hold within ${timeout} ms: ${String(state)}`);
  });
};

describe('the client in a browser, on another origin', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}: run scripts/install-browser.sh as root` }, () => {
  let browser: Browser;
  let site: ClientPage;
  let port: number;
  let app: TestApp;
  let seen: Seen;
  const startApi = async () => (app = await startTestApp({ corsOrigins: [site.origin], port, sync: SYNC }));

  before(async () => {
    site = await startClientPage();
    port = await freePort();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });
  beforeEach(async () => {
    await startApi();
    const page = await browser.newPage();
    seen = { page, errors: [], elsewhere: [], streamRequests: [] };
    page.on('console', (message) => message.type() === 'error' && seen.errors.push(message.text()));
    page.on('pageerror', (error) => seen.errors.push(error.message));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(site.origin) && !url.startsWith(app.baseUrl)) seen.elsewhere.push(url);
      if (url.endsWith('/api/tasks/events') && request.method() === 'GET') seen.streamRequests.push(request.headers()['last-event-id'] ?? null);
    });
    await page.goto(`${site.origin}/?api=${encodeURIComponent(app.baseUrl)}`);
    await page.waitForFunction('window.harness !== undefined');
  });
  afterEach(async () => {
    await seen.page.close();
    await app.close();
  });

  for (const passFetch of [false, true]) {
    it(`when every operation is called with ${passFetch ? 'window.fetch passed in' : 'the default fetch'}, then each works through CORS, and 100 requests fetch one token`, async () => {
      const user = newUserId();
      const result = await seen.page.evaluate(`(async () => {
        const api = harness.client({ user: ${JSON.stringify(user)}, passFetch: ${passFetch} });
        const task = await api.createTask({ title: 'Buy milk', tags: ['errands'] }, { idempotencyKey: crypto.randomUUID() });
        const { etag } = await api.getTask(task.id);
        const updated = await api.updateTask(task.id, { title: 'Buy oat milk' }, { ifMatch: etag });
        const patched = await api.patchTask(task.id, { description: '2 litres' }, { ifMatch: updated.etag });
        const toggled = await api.setCompleted(task.id);
        const { tasks, next } = await api.listTasks({ status: 'completed', tag: ['errands'] });
        const summary = await api.summary();
        const { cursor } = await api.changes();
        await api.deleteTask(task.id, { ifMatch: toggled.etag });
        for (let i = 0; i < 91; i++) await api.summary();
        return { titles: [updated.task.title, patched.task.description, toggled.task.completed], listed: tasks.length, next, summary, cursor: typeof cursor, tokens: api.tokensFetched };
      })()`);
      assert.deepEqual(result, {
        titles: ['Buy oat milk', '2 litres', true],
        listed: 1,
        next: undefined,
        summary: { total: 1, pending: 0, completed: 1, overdue: 0 },
        cursor: 'string',
        tokens: 1,
      });
      assert.deepEqual(seen.errors, [], 'no console error (a CORS refusal or "Illegal invocation" would be one)');
      assert.deepEqual(seen.elsewhere, []);
    });
  }

  it('when a token expires mid-stream, the API restarts and the connection drops, then the stream resumes each time with Last-Event-ID and delivers what came after', async () => {
    const user = newUserId();
    const writer = await signToken(user);
    await seen.page.evaluate(`harness.subscribe(harness.client({ user: ${JSON.stringify(user)}, ttl: 3 }))`);
    await until(seen.page, `harness.events.some((e) => e.type === 'ready')`);
    assert.equal((await app.request('POST', '/api/tasks', { token: writer, body: { title: 'Before expiry' } })).status, 201);
    await until(seen.page, `harness.events.some((e) => e.title === 'Before expiry')`);

    // The first token dies: the API ends the stream with token-expired, the client takes a new token.
    await until(seen.page, `harness.tokens >= 2 && harness.states.filter((s) => s.status === 'live').length >= 2`, 10_000);
    assert.equal((await app.request('POST', '/api/tasks', { token: writer, body: { title: 'After expiry' } })).status, 201);
    await until(seen.page, `harness.events.some((e) => e.title === 'After expiry')`);
    assert.ok(seen.streamRequests.slice(1).every((id) => id !== null), `every reconnect sent Last-Event-ID: ${JSON.stringify(seen.streamRequests)}`);

    // The API goes away (the stream ends after a retry hint), stays down long enough to refuse a
    // reconnect or two, and comes back; a change made while the client was away is delivered.
    await app.drain();
    await until(seen.page, `harness.states.some((s) => s.status === 'reconnecting' && /fetch/i.test(s.error))`);
    await startApi();
    assert.equal((await app.request('POST', '/api/tasks', { token: writer, body: { title: 'After restart' } })).status, 201);
    await until(seen.page, `harness.events.some((e) => e.title === 'After restart')`);

    // The connection drops without an end (the server's sockets destroyed, as a network failure does).
    const lives = Number(await seen.page.evaluate(`harness.states.filter((s) => s.status === 'live').length`));
    await app.close();
    await startApi();
    await until(seen.page, `harness.states.filter((s) => s.status === 'live').length > ${lives}`);
    assert.equal((await app.request('POST', '/api/tasks', { token: writer, body: { title: 'After a drop' } })).status, 201);
    await until(seen.page, `harness.events.some((e) => e.title === 'After a drop')`);

    const titles = await seen.page.evaluate(`harness.events.filter((e) => e.title).map((e) => e.title)`);
    assert.deepEqual(titles, ['Before expiry', 'After expiry', 'After restart', 'After a drop'], 'each change once, in order');
    assert.ok(seen.streamRequests.slice(1).every((id) => id !== null), `every reconnect sent Last-Event-ID: ${JSON.stringify(seen.streamRequests)}`);
    await seen.page.evaluate('harness.stop()');

    // Chromium reports the refused connections while the API was down, and the stream cut by the drop.
    const refused = (error: string) => /ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(error);
    assert.deepEqual(seen.errors.filter((error) => !refused(error)), [], 'no CORS or other console error');
    assert.deepEqual(seen.elsewhere, []);
  });

  it('when the stream resumes from a cursor whose changes are no longer kept, then the client is told to resync', async () => {
    const user = await newUser();
    const since = (await app.request('GET', '/api/tasks/changes', { token: user.token })).body.cursor as string;
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Forgotten' } });
    await app.db('task_events').where({ user_id: user.id }).delete(); // as if the log had been trimmed
    await seen.page.evaluate(`harness.subscribe(harness.client({ user: ${JSON.stringify(user.id)} }), ${JSON.stringify(since)})`);
    await until(seen.page, `harness.events.some((e) => e.type === 'resync')`);
    assert.deepEqual(seen.streamRequests, [since], 'the cursor went as Last-Event-ID, through CORS');
    await seen.page.evaluate('harness.stop()');
    assert.deepEqual(seen.errors, []);
  });

  it('when the token is refused even when fresh, then the subscription ends with the 401 and says so', async () => {
    await seen.page.evaluate(`harness.subscribe(harness.client({ user: 'mallory', bad: true }))`);
    await seen.page.waitForFunction('harness.failure !== undefined', undefined, { timeout: 0 });
    const { failure, states, tokens } = await seen.page.evaluate<{
      failure: { name: string; status: number };
      states: Array<{ status: string; error?: string }>;
      tokens: number;
    }>('({ failure: harness.failure, states: harness.states, tokens: harness.tokens })');
    assert.deepEqual([failure.name, failure.status], ['TasksApiError', 401]);
    assert.equal(tokens, 2, 'one token, then one fresh one, and no more');
    assert.deepEqual(states.map((s) => s.status), ['connecting', 'reconnecting', 'closed']);
    assert.match(states.at(-1)!.error!, /^401/);
    // Chromium reports the two refused requests themselves; nothing else may appear.
    assert.deepEqual(seen.errors.filter((error) => !/status of 401/.test(error)), []);
  });
});
