import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { SPEC_PATH } from '../../src/api/spec.js';
import { startTestApp, type TestApp } from '../helpers.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

describe('CORS', () => {
  it('when an allowed origin sends a preflight, then it may use Authorization and every method', async () => {
    const res = await app.request('OPTIONS', '/api/tasks', {
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /PATCH/);
  });

  it('when another origin asks, then no CORS header lets it in', async () => {
    const preflight = await app.request('OPTIONS', '/api/tasks', { headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const simple = await app.request('GET', '/api/health', { headers: { origin: 'https://evil.example.com' } });
    assert.equal(simple.headers.get('access-control-allow-origin'), null);
  });

  it('when an allowed origin makes a request, then the response names it and exposes Location', async () => {
    const res = await app.request('GET', '/api/health', { headers: { origin: 'http://localhost:3000' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /Location/);
  });
});

describe('the contract as served', () => {
  it('when /openapi.yaml is fetched, then it is the file, byte for byte; /openapi.json is the same document', async () => {
    const yaml = await app.request('GET', '/openapi.yaml');
    assert.equal(yaml.text, readFileSync(SPEC_PATH, 'utf8'));
    assert.match(yaml.headers.get('content-type') ?? '', /^application\/yaml/);
    const json = await app.request('GET', '/openapi.json');
    assert.deepEqual(json.body, parse(yaml.text));
  });

  it('when /docs is fetched, then the page loads its scripts from this server only, under a CSP without inline script', async () => {
    const res = await app.request('GET', '/docs');
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
    const scripts = [...res.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(scripts.length >= 2);
    assert.doesNotMatch(res.text, /<script>/, 'no inline script');
    for (const src of [...scripts, ...[...res.text.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!)]) {
      assert.ok(src.startsWith('/docs/assets/'), `${src} is served locally`);
      assert.equal((await app.request('GET', src)).status, 200, src);
    }
  });
});
