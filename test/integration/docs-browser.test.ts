// /docs in a real headless Chromium (Debian's, driven by playwright-core; installed by
// scripts/install-browser.sh): it renders offline, under its CSP, and lists every task operation.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-output/docs.png';

describe('/docs in a browser', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}: run scripts/install-browser.sh as root` }, () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    app = await startTestApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Without the background-networking flags Chromium keeps trying to reach Google's hosts.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('when the reference is opened, then it lists all six task operations, from this server alone, without CSP errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const elsewhere: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(app.baseUrl) && !request.url().startsWith('data:')) elsewhere.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
    });

    await page.goto(`${app.baseUrl}/docs`);
    await page.waitForSelector('.opblock-summary', { timeout: 20_000 });
    const operations = await page.$$eval('.opblock-summary', (blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    for (const expected of ['GET /api/tasks', 'POST /api/tasks', 'GET /api/tasks/{id}', 'PUT /api/tasks/{id}', 'DELETE /api/tasks/{id}', 'PATCH /api/tasks/{id}/complete']) {
      assert.ok(operations.includes(expected), `${expected} in ${JSON.stringify(operations)}`);
    }
    await mkdir('test-output', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    assert.deepEqual(elsewhere, [], 'nothing is fetched from anywhere else (no CDN)');
    assert.deepEqual(errors, [], 'no script or CSP errors');
  });
});
