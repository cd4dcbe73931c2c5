// Two tabs of one user in Chromium, on the example app: every CRUD action in tab 1 shows in tab 2 within
// 2 s; a JWT expires while streaming and a change after it still arrives; the API restarts and the stream
// resumes; tab 2 goes offline and catches up through `changes`; filters work; no console error, no
// request to another host. Returns the create-to-other-tab latencies and the tokens fetched.
import assert from 'node:assert/strict';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const WITHIN = 2000;
const CREATES = 20;

/** Records in the page when each task title first appears in its list (Date.now(): one clock for both tabs). */
const RECORD_ARRIVALS = `(() => {
  window.__seen = {};
  const look = () => { for (const el of document.querySelectorAll('li[data-task-id] .title')) if (!(el.textContent in window.__seen)) window.__seen[el.textContent] = Date.now(); };
  new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
  look();
})()`;

export interface TwoTabsResult {
  latencies: number[];
  tokens: number;
  requests: number;
  seconds: number;
}

export async function driveTwoTabs(options: { app: string; api: string; jwtSeconds: number; restartApi: () => Promise<void> }): Promise<TwoTabsResult> {
  const { app, api } = options;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext();
    const errors: string[] = [];
    const elsewhere: string[] = [];
    const catchUps: string[] = [];
    let requests = 0;
    const watch = (page: Page, name: string) => {
      page.on('console', (message) => message.type() === 'error' && errors.push(`${name}: ${message.text()}`));
      page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
      page.on('response', (response) => response.status() >= 400 && errors.push(`${name}: ${response.status()} ${response.url()}`));
      page.on('request', (request) => {
        const url = request.url();
        if (url.startsWith(api)) requests++;
        else if (!url.startsWith(app) && !/^(data|blob):/.test(url)) elsewhere.push(url);
        if (url.startsWith(`${api}/api/tasks/changes?since=`)) catchUps.push(name);
      });
    };
    const started = Date.now();

    const tab1 = await context.newPage();
    watch(tab1, 'tab 1');
    await tab1.goto(app);
    const signUp = tab1.getByRole('form', { name: 'Sign up' });
    await signUp.getByLabel('Name').fill('Ada Lovelace');
    await signUp.getByLabel('Email').fill(`ada-${Date.now()}@example.com`);
    await signUp.getByLabel('Password').fill('correct horse battery staple');
    await signUp.getByRole('button', { name: 'Sign up' }).click();
    await tab1.getByRole('form', { name: 'New task' }).waitFor({ timeout: 15_000 });
    const tab2 = await context.newPage();
    watch(tab2, 'tab 2');
    await tab2.goto(app);
    await tab2.getByRole('form', { name: 'New task' }).waitFor({ timeout: 15_000 });

    const live = async (page: Page, timeout = 15_000) => page.getByTestId('connection').filter({ hasText: /^live/ }).waitFor({ timeout });
    const tokensOf = async (page: Page) => Number(await page.getByTestId('tokens').textContent());
    await live(tab1);
    await live(tab2);
    await tab2.evaluate(RECORD_ARRIVALS);
    const item = (page: Page, title: string) => page.getByRole('listitem').filter({ has: page.getByText(title, { exact: true }) });

    /** Creates in tab 1 and returns the milliseconds until tab 2 shows it. */
    const create = async (title: string, priority = 'medium') => {
      const form = tab1.getByRole('form', { name: 'New task' });
      await form.getByLabel('Title').fill(title);
      await form.getByLabel('Priority').selectOption(priority);
      const clicked = await tab1.evaluate<number>(`(() => { const t = Date.now(); document.querySelector('form[aria-label="New task"] button[type=submit]').click(); return t; })()`);
      await tab2.waitForFunction(`window.__seen[${JSON.stringify(title)}] !== undefined`, undefined, { timeout: WITHIN, polling: 10 });
      return (await tab2.evaluate<number>(`window.__seen[${JSON.stringify(title)}]`)) - clicked;
    };

    const latencies: number[] = [];
    for (let i = 1; i <= CREATES; i++) latencies.push(await create(`Task ${i}`, i % 3 === 0 ? 'high' : 'medium'));

    // Toggle, edit and delete in tab 1, each seen in tab 2 within 2 s.
    await item(tab1, 'Task 1').getByRole('checkbox').click(); // controlled: it changes when the API answers
    await tab2.locator('li.done').filter({ has: tab2.getByText('Task 1', { exact: true }) }).waitFor({ timeout: WITHIN });
    await item(tab1, 'Task 2').getByRole('button', { name: 'Edit' }).click();
    await tab1.getByLabel('New title').fill('Task 2, edited');
    await tab1.getByRole('button', { name: 'Save' }).click();
    await item(tab2, 'Task 2, edited').waitFor({ timeout: WITHIN });
    await item(tab1, 'Task 4').getByRole('button', { name: 'Delete' }).click();
    await item(tab2, 'Task 4').waitFor({ state: 'detached', timeout: WITHIN });

    // Filters, in tab 1: the API's answer, kept current by the stream.
    const listed = async (titles: string[]) => {
      const expected = JSON.stringify(titles);
      await tab1
        .waitForFunction(`JSON.stringify([...document.querySelectorAll('li .title')].map((e) => e.textContent)) === ${JSON.stringify(expected)}`, undefined, { timeout: 5000 })
        .catch(async () => assert.deepEqual(await tab1.locator('li .title').allTextContents(), titles));
    };
    await tab1.getByLabel('Status filter').selectOption('completed');
    await listed(['Task 1']);
    await tab1.getByLabel('Status filter').selectOption('all');
    await tab1.getByLabel('Priority filter').selectOption('high');
    await listed(['Task 18', 'Task 15', 'Task 12', 'Task 9', 'Task 6', 'Task 3']);
    await tab1.getByLabel('Priority filter').selectOption('');
    await tab1.getByLabel('Search').fill('task 1');
    await listed(['Task 19', 'Task 18', 'Task 17', 'Task 16', 'Task 15', 'Task 14', 'Task 13', 'Task 12', 'Task 11', 'Task 10', 'Task 1']);
    await tab1.getByLabel('Search').fill('');
    await item(tab1, 'Task 20').waitFor();

    // Tab 2 only streams: its first token expires mid-stream, the stream comes back with a fresh one.
    await tab2.waitForFunction(`Number(document.querySelector('[data-testid=tokens]').textContent) >= 2`, undefined, {
      timeout: (options.jwtSeconds + 10) * 1000,
      polling: 200,
    });
    await live(tab2);
    latencies.push(await create('After the token expired'));

    await options.restartApi();
    await live(tab1, 30_000);
    await live(tab2, 30_000);
    latencies.push(await create('After the API restarted'));

    // Tab 2 offline: its stream stops; back online, it catches up through `changes`, then streams again.
    const cdp = await context.newCDPSession(tab2);
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await tab2.getByTestId('connection').filter({ hasText: /^closed/ }).waitFor({ timeout: WITHIN });
    await tab1.getByRole('form', { name: 'New task' }).getByLabel('Title').fill('While tab 2 was offline');
    await tab1.getByRole('form', { name: 'New task' }).getByRole('button', { name: 'Add' }).click();
    await item(tab1, 'While tab 2 was offline').waitFor();
    assert.equal(await item(tab2, 'While tab 2 was offline').count(), 0, 'not seen while offline');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await item(tab2, 'While tab 2 was offline').waitFor({ timeout: WITHIN });
    assert.ok(catchUps.includes('tab 2'), 'tab 2 caught up through changes');
    await live(tab2);
    latencies.push(await create('After tab 2 came back'));

    // Refused connections while the API restarted, and tab 2's while it was offline, are expected.
    const expected = /ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED/;
    assert.deepEqual(errors.filter((error) => !expected.test(error)), [], 'no console error');
    assert.deepEqual(elsewhere, [], 'no request to another host');
    return {
      latencies: latencies.sort((a, b) => a - b),
      tokens: (await tokensOf(tab1)) + (await tokensOf(tab2)),
      requests,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await browser.close();
  }
}
