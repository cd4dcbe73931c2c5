import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testDatabaseUrl } from '../support/settings.js';
import { createDb } from '../../src/db/knex.js';
import { SERVER_TIMEOUTS } from '../../src/pipeline/server.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';
import { timedAgainst } from '../support/timed.js';

let app: TestApp;
let user: { id: string; token: string };
let taskId: number;
before(async () => {
  app = await startTestApp();
  user = await newUser();
  taskId = (await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Existing' } })).body.id;
});
after(() => app.close());

function assertProblem(res: { status: number; headers: Headers; body: any }, status: number) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(res.body.status, status);
  assert.equal(res.body.type, 'about:blank');
  assert.equal(typeof res.body.title, 'string');
  assert.ok(res.body.detail.length > 0);
}

/** The user's tasks are what this file's setup made: a refused request wrote nothing. */
async function assertNothingWritten(): Promise<void> {
  const res = await app.request('GET', '/api/tasks', { token: user.token });
  assert.deepEqual(res.body.map((t: { title: string }) => t.title), ['Existing']);
}

describe('invalid input is a 400 problem that names the field and changes nothing', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a whitespace-only title', { title: ' \t\n\u00a0\u2003' }, '/title'],
    ['an empty title', { title: '' }, '/title'],
    ['a title of 201 characters', { title: 'x'.repeat(201) }, '/title'],
    ['a title of 201 emoji (code points, not UTF-16 units)', { title: '😀'.repeat(201) }, '/title'],
    ['a missing title', { description: 'no title' }, '/title'],
    ['a null title', { title: null }, '/title'],
    ['a description of 1001 characters', { title: 't', description: 'd'.repeat(1001) }, '/description'],
    ['an unknown priority', { title: 't', priority: 'urgent' }, '/priority'],
    ['21 tags', { title: 't', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, '/tags'],
    ['a tag of 51 characters', { title: 't', tags: ['x'.repeat(51)] }, '/tags/0'],
    ['a blank tag', { title: 't', tags: ['ok', '   '] }, '/tags/1'],
    ['duplicate tags', { title: 't', tags: ['a', 'a'] }, '/tags'],
    ['a date without a time zone', { title: 't', due_date: '2026-12-01T10:00:00' }, '/due_date'],
    ['an impossible date', { title: 't', due_date: '2026-02-30T10:00:00Z' }, '/due_date'],
    ['a year-0 date PostgreSQL cannot store', { title: 't', due_date: '0000-01-01T00:00:00Z' }, '/due_date'],
    ['a date past 9999 in UTC', { title: 't', due_date: '9999-12-31T23:00:00-14:00' }, '/due_date'],
    ['a leap second', { title: 't', due_date: '2016-12-31T23:59:60Z' }, '/due_date'],
    ['completed as a string', { title: 't', completed: 'true' }, '/completed'],
    ['a huge number as a title', { title: 1e308 }, '/title'],
    ['U+0000 in the title', { title: 'a\u0000b' }, '/title'],
    ['U+0000 in a tag', { title: 't', tags: ['a\u0000'] }, '/tags/0'],
    ['a lone surrogate in the description', { title: 't', description: 'bad \ud800 half' }, '/description'],
    ['an unknown field', { title: 't', owner: 'someone' }, '/owner'],
  ];
  for (const [name, body, field] of cases) {
    it(`when a task is created with ${name}, then 400 naming ${field}`, async () => {
      const res = await app.request('POST', '/api/tasks', { token: user.token, body });
      assertProblem(res, 400);
      assert.ok(
        res.body.errors.some((e: { in: string; field: string }) => e.in === 'body' && e.field === field),
        JSON.stringify(res.body.errors),
      );
      assert.doesNotMatch(res.text, /schemaPath|instancePath|#\/components/);
      await assertNothingWritten();
    });
  }

  it('when an update has no fields, then 400', async () => {
    assertProblem(await app.request('PUT', `/api/tasks/${taskId}`, { token: user.token, body: {} }), 400);
  });

  it('when the body is an array, a string or null, then 400', async () => {
    for (const body of ['[]', '"title"', 'null', '42']) {
      assertProblem(await app.request('POST', '/api/tasks', { token: user.token, body, headers: { 'content-type': 'application/json' } }), 400);
    }
    await assertNothingWritten();
  });
});

describe('accepted oddities are stored exactly', () => {
  it('when titles hold SQL, emoji, RTL text and 200 code points of astral characters, then they round-trip', async () => {
    const owner = await newUser();
    for (const title of ["'); drop table tasks; --", '😀 emoji 👩‍👩‍👧', 'שלום עולם', '𝔘'.repeat(200), '%_\\ literal']) {
      const res = await app.request('POST', '/api/tasks', { token: owner.token, body: { title } });
      assert.equal(res.status, 201, title);
      assert.equal(res.body.title, title);
    }
    assert.equal((await app.request('GET', '/api/tasks', { token: owner.token })).body.length, 5);
  });
});

describe('transport errors', () => {
  it('when the body is not JSON, then 400', async () => {
    const res = await app.request('POST', '/api/tasks', { token: user.token, body: '{"title": ', headers: { 'content-type': 'application/json' } });
    assertProblem(res, 400);
    assert.match(res.body.detail, /not valid JSON/);
  });

  it('when the body is not UTF-8, then 400', async () => {
    const res = await fetch(`${app.baseUrl}/api/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    assert.equal(res.status, 400);
  });

  it('when the content type is not JSON, then 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await app.request('POST', '/api/tasks', { token: user.token, body: 'title=x', headers: { 'content-type': type } });
      assertProblem(res, 415);
    }
  });

  it('when the body is over 16 KiB, then 413, titled as RFC 9110 names it on the status line too', async () => {
    const res = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 't', description: 'x'.repeat(17_000) } });
    assertProblem(res, 413);
    assert.equal(res.body.title, 'Content Too Large');
    const raw = await fetch(`${app.baseUrl}/api/tasks`, { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: 'x'.repeat(17_000) });
    assert.equal(raw.statusText, 'Content Too Large');
  });

  it('when the id is not a positive integer of at most 2^53 − 1, then 400 naming the bound; when it is one that does not exist, then 404', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '1e3', '0x10', '+5', '%205', '%00']) {
      assertProblem(await app.request('GET', `/api/tasks/${id}`, { token: user.token }), 400);
    }
    // Past 2^53 − 1 a JSON number is no longer exact: every such id is refused, and the message says where the bound is.
    for (const id of ['9007199254740992', '9007199254740993', '9223372036854775807', '9223372036854775808', '99999999999999999999']) {
      for (const [method, path] of [['GET', `/api/tasks/${id}`], ['PUT', `/api/tasks/${id}`], ['DELETE', `/api/tasks/${id}`], ['PATCH', `/api/tasks/${id}/complete`]] as const) {
        const res = await app.request(method, path, { token: user.token, body: method === 'PUT' ? { title: 'x' } : undefined });
        assertProblem(res, 400);
        assert.deepEqual(res.body.errors, [{ in: 'path', field: '/id', message: 'must be at most 9007199254740991' }], `${method} ${id}`);
        assert.equal(res.body.instance, path, 'the id as sent');
        assert.doesNotMatch(res.text, /9223372036854776000|e\+/, 'no id echoed rounded');
      }
    }
    assertProblem(await app.request('GET', '/api/tasks/9007199254740991', { token: user.token }), 404);
  });

  it('when the path is not valid percent-encoded UTF-8, then 400, not 500 (found by the fuzzer)', async () => {
    for (const path of ['/api/tasks/%ff%fe', '/api/%ff/tasks', '/api/tasks/%E0%A4%A', '/api/%c0%af/tasks/1']) {
      assertProblem(await app.request('GET', path, { token: user.token }), 400);
    }
  });

  it('when a query parameter is unknown or out of its enum, then 400', async () => {
    assertProblem(await app.request('GET', '/api/tasks?color=red', { token: user.token }), 400);
    assertProblem(await app.request('GET', '/api/tasks?sort=random', { token: user.token }), 400);
    assertProblem(await app.request('GET', '/api/tasks?status=done', { token: user.token }), 400);
  });

  it('when the route is unknown, then 404; when the method is wrong, then 405 with Allow', async () => {
    assertProblem(await app.request('GET', '/api/nothing/here/at/all'), 404);
    assertProblem(await app.request('GET', '/'), 404);
    const wrong = await app.request('DELETE', '/api/tasks', { token: user.token });
    assertProblem(wrong, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD, POST, PATCH, OPTIONS');
    const put = await app.request('PUT', `/api/tasks/${taskId}/complete`, { token: user.token });
    assert.equal(put.headers.get('allow'), 'PATCH, OPTIONS');
  });

  it("when the headers are over Node's limit, then 431 is a problem too", async () => {
    const res = await app.request('GET', '/api/tasks', { headers: { authorization: `Bearer ${'a'.repeat(20_000)}` } });
    assert.equal(res.status, 431);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.body.status, 431);
  });

  it('when anything is answered, then there is no X-Powered-By and nosniff is set', async () => {
    const res = await app.request('GET', '/api/health');
    assert.equal(res.headers.get('x-powered-by'), null);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('database faults', () => {
  it('when PostgreSQL cannot be reached, then task routes are 503 with Retry-After, ready is 503, health stays 200', async () => {
    const down = await startTestApp({ databaseUrl: 'postgres://postgres@127.0.0.1:1/unreachable' });
    try {
      const { value: res, ms, limitMs } = await timedAgainst(SERVER_TIMEOUTS.answerMs, () => down.request('GET', '/api/tasks', { token: user.token }));
      assertProblem(res, 503);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.ok(ms < limitMs, `answers within the request's deadline: ${ms} ms (limit ${limitMs})`);
      assertProblem(await down.request('GET', '/api/ready'), 503);
      assert.equal((await down.request('GET', '/api/health')).status, 200);
      // What needs no database still gets its normal answer.
      assert.equal((await down.request('GET', '/api/tasks')).status, 401);
      assert.equal((await down.request('GET', '/nowhere')).status, 404);
      assert.equal((await down.request('POST', '/api/tasks', { token: user.token, body: {} })).status, 400);
    } finally {
      await down.close();
    }
  });

  it('when the server fails unexpectedly, then 500 says nothing about internals', async () => {
    // A real database with no schema: the statement fails with "relation tasks does not exist".
    const admin = createDb(testDatabaseUrl()!, { bounds: false });
    const name = `tasks_no_schema_${randomBytes(4).toString('hex')}`;
    await admin.raw(`create database ${name}`);
    const url = new URL(testDatabaseUrl()!);
    url.pathname = `/${name}`;
    const broken = await startTestApp({ databaseUrl: url.href });
    try {
      const res = await broken.request('GET', '/api/tasks', { token: user.token });
      assertProblem(res, 500);
      assert.doesNotMatch(res.text, /relation|does not exist|select |postgres|stack|\.ts:/i);
    } finally {
      await broken.close();
      await admin.raw(`drop database ${name} with (force)`);
      await admin.destroy();
    }
  });
});
