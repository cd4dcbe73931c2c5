import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { SPEC_PATH } from '../../src/contract/spec.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

describe('CORS', () => {
  it('when an allowed origin sends a preflight, then it may use Authorization, the conditional headers and every method', async () => {
    const res = await app.request('OPTIONS', '/api/tasks', {
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization.*If-Match.*Idempotency-Key.*X-Request-Id/);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /PATCH/);
  });

  it('when another origin asks, then no CORS header lets it in', async () => {
    const preflight = await app.request('OPTIONS', '/api/tasks', { headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const simple = await app.request('GET', '/api/health', { headers: { origin: 'https://evil.example.com' } });
    assert.equal(simple.headers.get('access-control-allow-origin'), null);
  });

  it('when an allowed origin makes a request, then the response names it and exposes the headers a browser app reads', async () => {
    const res = await app.request('GET', '/api/health', { headers: { origin: 'http://localhost:3000' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
    for (const header of ['ETag', 'Link', 'Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id']) assert.ok(exposed.includes(header), header);
    assert.match(res.headers.get('vary') ?? '', /\bOrigin\b/);
  });

  it('when a request has no Origin (not a browser\'s from another origin), then it gets no CORS header, and Vary still names Origin', async () => {
    for (const method of ['GET', 'OPTIONS']) {
      const res = await app.request(method, '/api/health');
      assert.deepEqual([...res.headers.keys()].filter((name) => name.startsWith('access-control-')), [], method);
      assert.match(res.headers.get('vary') ?? '', /\bOrigin\b/, method);
    }
  });
});

describe('HTTP semantics (RFC 9110) and headers', () => {
  it('when HEAD is sent where GET is, then the same status and headers come back without a body', async () => {
    const user = await newUser();
    const { body: task } = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Head' } });
    const get = await app.request('GET', `/api/tasks/${task.id}`, { token: user.token });
    const head = await app.request('HEAD', `/api/tasks/${task.id}`, { token: user.token });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    for (const name of ['etag', 'content-type', 'content-length', 'cache-control']) assert.equal(head.headers.get(name), get.headers.get(name), name);
    assert.equal((await app.request('HEAD', '/api/tasks')).status, 401);
    assert.equal((await app.request('HEAD', '/nowhere')).status, 404);
  });

  it('when OPTIONS is sent, then 204 with Allow listing what the path takes; an unknown path is a 404', async () => {
    const expectations: Array<[string, string]> = [
      ['/api/tasks', 'GET, HEAD, POST, PATCH, OPTIONS'],
      ['/api/tasks/1', 'GET, HEAD, PUT, DELETE, PATCH, OPTIONS'],
      ['/api/tasks/1/complete', 'PATCH, OPTIONS'],
      ['/api/someone/tasks', 'GET, HEAD, POST, PATCH, OPTIONS'],
      ['/api/health', 'GET, HEAD, OPTIONS'],
    ];
    for (const [path, allow] of expectations) {
      const res = await app.request('OPTIONS', path);
      assert.equal(res.status, 204, path);
      assert.equal(res.headers.get('allow'), allow, path);
    }
    const unknown = await app.request('OPTIONS', '/nowhere');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.status, 404);
  });

  it('when the API answers, then it is not cached and carries the security headers', async () => {
    const user = await newUser();
    for (const res of [await app.request('GET', '/api/tasks', { token: user.token }), await app.request('GET', '/api/tasks')]) {
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'");
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('x-powered-by'), null);
    }
  });
});

describe('the docs assets', () => {
  it('when anything but the files the pages load is asked for, then 404: the packages themselves are not served', async () => {
    for (const path of [
      '/docs/assets/package.json', '/docs/assets/elements/package.json', '/docs/assets/elements/index.js', '/docs/assets/redoc/package.json',
      '/docs/assets/redoc/redoc.lib.js', '/docs/assets/redoc/../../package.json', '/docs/assets/', '/docs/assets/elements/',
    ]) {
      const res = await app.request('GET', path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.status, 404, path);
    }
  });

  it('when each page is loaded, then every file it names is served, and its CSP lets it load nothing from another host', async () => {
    for (const page of ['/docs', '/docs/redoc']) {
      const res = await app.request('GET', page);
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      for (const directive of csp.split(';')) assert.doesNotMatch(directive, /https?:|\*/, `${page}: ${directive}`);
      const files = [...res.text.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      assert.ok(files.length >= 2, `${page} loads its renderer`);
      for (const file of files) assert.equal((await app.request('GET', file)).status, 200, file);
      assert.doesNotMatch(res.text, /<script>|<script [^>]*>[^<]/, `${page}: no inline script`);
    }
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

  it('when the contract is read from any host or port, then its server is this one: a relative URL', async () => {
    assert.deepEqual((await app.request('GET', '/openapi.json')).body.servers.map((server: { url: string }) => server.url), ['/']);
  });
});
