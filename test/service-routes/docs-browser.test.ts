// The two references in a real headless Chromium (Debian's, driven by playwright-core; installed by
// scripts/install-browser.sh): each renders every operation of openapi.yaml, from this server alone (no
// request to another host), under its CSP, without a console error; on /docs (Stoplight Elements) a try-it
// call with a token creates a task. The server runs on a port of its own choosing, so try-it is shown to
// work wherever the API is served. Screenshots go to test-output/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { operations } from '../contract/declared.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';

describe('the API references in a browser', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}: run scripts/install-browser.sh as root` }, () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    app = await startTestApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Without the background-networking flags Chromium keeps trying to reach Google's hosts.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await mkdir('test-output', { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A page that records what it fetched from elsewhere and every error it met. */
  async function watchedPage(): Promise<{ page: Page; elsewhere: string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const elsewhere: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      // blob: and data: URLs are made by the page itself (Redoc's search worker, inline images).
      if (!url.startsWith(app.baseUrl) && !/^(blob:|data:)/.test(url)) elsewhere.push(url);
    });
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => response.status() >= 400 && errors.push(`${response.status()} ${response.url()}`));
    return { page, elsewhere, errors };
  }

  const summaries = operations.map((operation) => (operation as unknown as { summary: string }).summary);

  it('when /docs (Stoplight Elements) is opened, then every operation renders, try-it creates a task with a token, and nothing comes from elsewhere', async () => {
    const { page, elsewhere, errors } = await watchedPage();
    await page.goto(`${app.baseUrl}/docs`);
    await page.getByRole('heading', { name: 'Tasks API' }).first().waitFor({ timeout: 0 });
    await page.screenshot({ path: 'test-output/docs-elements.png' });
    for (const operation of operations) {
      await page.goto(`${app.baseUrl}/docs#/operations/${operation.operationId}`);
      const summary = (operation as unknown as { summary: string }).summary;
      await page.getByRole('heading', { level: 1, name: summary, exact: true }).waitFor({ timeout: 0 });
    }

    const user = await newUser();
    await page.goto(`${app.baseUrl}/docs#/operations/createTask`);
    await page.getByLabel('Token').fill(user.token);
    await page.getByRole('button', { name: 'Send API Request' }).click();
    await page.getByText('201 Created').waitFor({ timeout: 0 });
    await page.screenshot({ path: 'test-output/docs-elements-try-it.png' });
    const list = await app.request('GET', '/api/tasks', { token: user.token });
    assert.deepEqual(list.body.map((task: { title: string }) => task.title), ['Buy milk'], 'the example body was sent, as this user');

    assert.deepEqual(elsewhere, [], 'nothing is fetched from another host');
    assert.deepEqual(errors, [], 'no console, script or CSP error, no failed request');
  });

  it('when /docs/redoc is opened, then every operation renders, and nothing comes from elsewhere', async () => {
    const { page, elsewhere, errors } = await watchedPage();
    await page.goto(`${app.baseUrl}/docs/redoc`);
    await page.locator('[data-section-id^="operation/"]').first().waitFor({ timeout: 0 });
    const rendered = (await page.locator('[data-section-id^="operation/"] h2').allTextContents()).map((text) => text.trim());
    for (const summary of summaries) assert.ok(rendered.includes(summary), `${summary} in ${JSON.stringify(rendered)}`);
    await page.screenshot({ path: 'test-output/docs-redoc.png' });
    assert.deepEqual(elsewhere, [], 'nothing is fetched from another host (Redoc’s CDN logo included)');
    assert.deepEqual(errors, [], 'no console, script or CSP error, no failed request');
  });
});
