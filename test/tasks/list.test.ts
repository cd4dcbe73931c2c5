import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

type User = { id: string; token: string };
interface Task { id: number; title: string; due_date: string | null; tags: string[]; priority: string; completed: boolean }

async function create(user: User, body: object): Promise<Task> {
  const res = await app.request('POST', '/api/tasks', { token: user.token, body });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function list(user: User, query: string): Promise<Task[]> {
  const res = await app.request('GET', `/api/tasks?${query}`, { token: user.token });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

const ids = (tasks: Task[]) => tasks.map((t) => t.id);

/** Follows Link headers from the first page; returns every page's ids. */
async function allPages(user: User, path: string, limit: number): Promise<number[][]> {
  const pages: number[][] = [];
  let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
  while (next) {
    const res = await app.request('GET', next, { token: user.token });
    assert.equal(res.status, 200, res.text);
    pages.push(ids(res.body));
    next = /^<([^>]+)>; rel="next"$/.exec(res.headers.get('link') ?? '')?.[1];
    assert.ok(pages.length < 1000, 'pagination terminates');
  }
  return pages;
}

describe('filters', () => {
  let user: User;
  let t: Record<string, Task>;
  before(async () => {
    user = await newUser();
    t = {
      milk: await create(user, { title: 'Buy MILK', tags: ['errands', 'home'], priority: 'high', due_date: '2030-01-10T00:00:00Z' }),
      report: await create(user, { title: 'Write report', description: 'Quarterly milk-sales numbers', tags: ['work'], due_date: '2030-01-20T00:00:00Z' }),
      percent: await create(user, { title: '100% done?', tags: ['work', 'home'], priority: 'low', completed: true }),
      underscore: await create(user, { title: 'snake_case names', description: 'back\\slash', priority: 'high', due_date: '2030-01-20T00:00:00Z' }),
      plain: await create(user, { title: '1000 done' }),
    };
  });

  it('when filtering by priority, then only that priority comes back', async () => {
    assert.deepEqual(ids(await list(user, 'priority=high')).sort(), [t.milk!.id, t.underscore!.id].sort());
  });

  it('when filtering by one tag or several, then every given tag must be present', async () => {
    assert.deepEqual(ids(await list(user, 'tag=home')).sort(), [t.milk!.id, t.percent!.id].sort());
    assert.deepEqual(ids(await list(user, 'tag=home&tag=work')), [t.percent!.id]);
    assert.deepEqual(ids(await list(user, 'tag=Home')), [], 'tags match exactly');
  });

  it('when searching, then title and description match case-insensitively and %, _ and \\ are literal', async () => {
    assert.deepEqual(ids(await list(user, 'q=milk')).sort(), [t.milk!.id, t.report!.id].sort());
    assert.deepEqual(ids(await list(user, `q=${encodeURIComponent('  MiLk ')}`)).sort(), [t.milk!.id, t.report!.id].sort(), 'q is trimmed');
    assert.deepEqual(ids(await list(user, `q=${encodeURIComponent('0%')}`)), [t.percent!.id], '% is not a wildcard');
    assert.deepEqual(ids(await list(user, 'q=e_c')), [t.underscore!.id], '_ is not a wildcard');
    assert.deepEqual(ids(await list(user, 'q=a_e')), [], '_ never matches another character');
    assert.deepEqual(ids(await list(user, `q=${encodeURIComponent('k\\s')}`)), [t.underscore!.id], '\\ is literal');
  });

  it('when filtering by due dates, then due_after is inclusive, due_before exclusive, and undated tasks never match', async () => {
    assert.deepEqual(ids(await list(user, 'due_after=2030-01-20T00:00:00Z')).sort(), [t.report!.id, t.underscore!.id].sort());
    assert.deepEqual(ids(await list(user, 'due_before=2030-01-20T00:00:00Z')), [t.milk!.id]);
    assert.deepEqual(ids(await list(user, 'due_after=2030-01-10T01:00:00%2B01:00&due_before=2030-01-10T00:00:01Z')), [t.milk!.id]);
  });

  it('when filters combine with status, sort and order, then all of them apply', async () => {
    assert.deepEqual(ids(await list(user, 'status=pending&tag=work&sort=title&order=desc')), [t.report!.id]);
    assert.deepEqual(ids(await list(user, 'status=completed&tag=home')), [t.percent!.id]);
    assert.deepEqual(ids(await list(user, 'priority=high&q=b&sort=due_date&order=desc')), [t.underscore!.id, t.milk!.id]);
  });

  it('when a filter is malformed, then 400 names it', async () => {
    for (const [query, field] of [
      ['priority=urgent', '/priority'], ['q=%20%20', '/q'], [`q=${'x'.repeat(201)}`, '/q'], ['due_before=tomorrow', '/due_before'],
      ['due_after=2030-01-01', '/due_after'], ['limit=0', '/limit'], ['limit=501', '/limit'], ['limit=1e2', '/limit'],
      [`tag=${'t'.repeat(51)}`, '/tag/0'], ['cursor=abc', '/cursor'], ['q=a%00b', '/q'],
    ]) {
      const res = await app.request('GET', `/api/tasks?${query}`, { token: user.token });
      assert.equal(res.status, 400, query);
      assert.ok(res.body.errors.some((e: { in: string; field: string }) => e.in === 'query' && e.field === field), `${query}: ${res.text}`);
    }
  });
});

describe('keyset pagination', () => {
  let user: User;
  before(async () => {
    user = await newUser();
    // Ties on every key: repeated titles (in different case), priorities and due dates, and undated tasks.
    const titles = ['beta', 'Alpha', 'alpha', 'ALPHA', 'gamma', 'Beta', 'delta', 'alpha', 'epsilon', 'beta', 'Gamma', 'zeta', 'eta'];
    const dues = ['2030-01-01T00:00:00Z', null, '2030-01-01T00:00:00Z', '2029-06-01T12:00:00Z', null];
    let i = 0;
    for (const title of titles) {
      await create(user, {
        title,
        priority: ['low', 'medium', 'high'][i % 3],
        due_date: dues[i % dues.length],
        completed: i % 4 === 0,
      });
      i += 1;
    }
  });

  for (const sort of ['created', 'updated', 'title', 'due_date', 'priority']) {
    for (const order of ['asc', 'desc']) {
      it(`when paging by ${sort} ${order} three at a time, then the pages join into exactly the full list`, async () => {
        const query = `/api/tasks?sort=${sort}&order=${order}`;
        const full = ids(await list(user, `sort=${sort}&order=${order}&limit=500`));
        assert.equal(full.length, 13);
        const pages = await allPages(user, query, 3);
        assert.deepEqual(pages.flat(), full);
        assert.deepEqual(pages.map((p) => p.length), [3, 3, 3, 3, 1]);
      });
    }
  }

  it('when paging a filtered list, then the filter holds on every page', async () => {
    const full = ids(await list(user, 'status=pending&sort=due_date&limit=500'));
    assert.deepEqual((await allPages(user, '/api/tasks?status=pending&sort=due_date', 2)).flat(), full);
  });

  it('when the list fits in one page, then there is no Link; when it does not, the Link keeps the query', async () => {
    const one = await app.request('GET', '/api/tasks?limit=13', { token: user.token });
    assert.equal(one.headers.get('link'), null);
    const more = await app.request('GET', '/api/tasks?limit=12&sort=title&tag=x&tag=y', { token: user.token });
    assert.equal(more.headers.get('link'), null, 'no task has tags x and y');
    const paged = await app.request('GET', '/api/tasks?sort=title&limit=5', { token: user.token });
    assert.match(paged.headers.get('link') ?? '', /^<\/api\/tasks\?sort=title&limit=5&cursor=[\w-]+\.[\w-]+>; rel="next"$/);
  });

  it('when a query value holds a literal "?", then the next-page Link keeps the whole query and following it works', async () => {
    const owner = await newUser();
    for (const title of ['a', 'b', 'c']) await create(owner, { title, tags: ['why?'] });
    const first = await app.request('GET', '/api/tasks?tag=why?&limit=1&sort=title', { token: owner.token });
    const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')?.[1] ?? assert.fail('no Link');
    assert.equal(new URL(link, app.baseUrl).searchParams.get('tag'), 'why?');
    const second = await app.request('GET', link, { token: owner.token });
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(second.body.map((t: Task) => t.title), ['b']);
  });

  it('when tasks are created and deleted between pages, then no remaining task is skipped or repeated', async () => {
    const mover = await newUser();
    for (let i = 0; i < 10; i++) await create(mover, { title: `task ${String(i).padStart(2, '0')}` });
    const seen: number[] = [];
    const first = await app.request('GET', '/api/tasks?sort=title&limit=4', { token: mover.token });
    seen.push(...ids(first.body));
    // Between pages: a task sorting before the cursor and one after it appear; an unseen one disappears.
    await create(mover, { title: 'task 00a' });
    const late = await create(mover, { title: 'task 99' });
    const all = await list(mover, 'sort=title&limit=500');
    const doomed = all.find((t) => t.title === 'task 06')!;
    await app.request('DELETE', `/api/tasks/${doomed.id}`, { token: mover.token });
    let next = /^<([^>]+)>/.exec(first.headers.get('link') ?? '')?.[1];
    while (next) {
      const res = await app.request('GET', next, { token: mover.token });
      seen.push(...ids(res.body));
      next = /^<([^>]+)>/.exec(res.headers.get('link') ?? '')?.[1];
    }
    assert.equal(new Set(seen).size, seen.length, 'nothing repeated');
    const survivors = all.filter((t) => t.id !== doomed.id && t.title !== 'task 00a').map((t) => t.id);
    for (const id of survivors) assert.ok(seen.includes(id), `task ${id} was not skipped`);
    assert.ok(seen.includes(late.id), 'a task created after the cursor appears on a later page');
    assert.ok(!seen.includes(doomed.id));
  });

  it('when the limit changes between pages, then the cursor still works', async () => {
    const first = await app.request('GET', '/api/tasks?sort=title&limit=4', { token: user.token });
    const link = /^<([^>]+)>/.exec(first.headers.get('link') ?? '')![1]!;
    const rest = await app.request('GET', link.replace('limit=4', 'limit=500'), { token: user.token });
    assert.deepEqual([...ids(first.body), ...ids(rest.body)], ids(await list(user, 'sort=title&limit=500')));
  });

  it('when a cursor is altered, or reused with another sort, order, filter or user, then 400 and never a page', async () => {
    const first = await app.request('GET', '/api/tasks?sort=title&status=pending&tag=a&tag=b&limit=1', { token: user.token });
    const linkless = await app.request('GET', '/api/tasks?sort=title&status=pending&limit=1', { token: user.token });
    const cursor = new URL(/^<([^>]+)>/.exec(linkless.headers.get('link') ?? '')![1]!, 'http://x').searchParams.get('cursor')!;
    assert.equal(first.status, 200);
    const other = await newUser();
    const [position, mac] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify(['a', 1])).toString('base64url');
    const attempts: Array<[string, User]> = [
      [`sort=title&status=pending&cursor=${cursor}`, user], // the original: fine
      [`sort=created&status=pending&cursor=${cursor}`, user],
      [`sort=title&order=desc&status=pending&cursor=${cursor}`, user],
      [`sort=title&status=all&cursor=${cursor}`, user],
      [`sort=title&status=pending&q=x&cursor=${cursor}`, user],
      [`sort=title&status=pending&cursor=${cursor}`, other],
      [`sort=title&status=pending&cursor=${forged}.${mac}`, user],
      // Its first character changed (all six of its bits are the MAC's): ending it in "AA" left a MAC that
      // already ended so unchanged, once in 256 runs.
      [`sort=title&status=pending&cursor=${position}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`, user],
      [`sort=title&status=pending&cursor=${position}x.${mac}`, user],
    ];
    const statuses = [];
    for (const [query, who] of attempts) statuses.push((await app.request('GET', `/api/tasks?${query}`, { token: who.token })).status);
    assert.deepEqual(statuses, [200, 400, 400, 400, 400, 400, 400, 400, 400]);
    const res = await app.request('GET', `/api/tasks?sort=title&status=pending&cursor=${cursor}`, { token: other.token });
    assert.deepEqual(res.body.errors, [{ in: 'query', field: '/cursor', message: res.body.errors[0].message }]);
  });

  it('when repeated tags come in another order, then the cursor is the same query', async () => {
    const tagged = await newUser();
    for (let i = 0; i < 3; i++) await create(tagged, { title: `t${i}`, tags: ['a', 'b'] });
    const first = await app.request('GET', '/api/tasks?tag=a&tag=b&limit=2', { token: tagged.token });
    const cursor = new URL(/^<([^>]+)>/.exec(first.headers.get('link') ?? '')![1]!, 'http://x').searchParams.get('cursor')!;
    const swapped = await app.request('GET', `/api/tasks?tag=b&tag=a&limit=2&cursor=${cursor}`, { token: tagged.token });
    assert.equal(swapped.status, 200);
    assert.equal(swapped.body.length, 1);
  });

  it('when no limit is given, then a page holds 100 tasks', async () => {
    const many = await newUser();
    await Promise.all(Array.from({ length: 101 }, (_, i) => create(many, { title: `n${i}` })));
    const res = await app.request('GET', '/api/tasks', { token: many.token });
    assert.equal(res.body.length, 100);
    assert.ok(res.headers.get('link'));
  });
});

describe('listing', () => {
  it('when tasks are listed with each sort and order, then the order is total, ties break on id, and undated tasks come last', async () => {
    const user = await newUser();
    const create = async (body: object) => (await app.request('POST', '/api/tasks', { token: user.token, body })).body;
    const a = await create({ title: 'banana', priority: 'low', due_date: '2030-01-02T00:00:00Z' });
    const b = await create({ title: 'Apple', priority: 'high' });
    const c = await create({ title: 'cherry', priority: 'medium', due_date: '2030-01-01T00:00:00Z' });
    const d = await create({ title: 'apple', priority: 'high', due_date: '2030-01-01T00:00:00Z' });
    await app.request('PUT', `/api/tasks/${a.id}`, { token: user.token, body: { description: 'touched last' } });
    const ids = async (query: string) =>
      (await app.request('GET', `/api/tasks${query}`, { token: user.token })).body.map((t: { id: number }) => t.id);

    assert.deepEqual(await ids(''), [d.id, c.id, b.id, a.id], 'default: newest first');
    assert.deepEqual(await ids('?sort=created&order=asc'), [a.id, b.id, c.id, d.id]);
    assert.deepEqual(await ids('?sort=updated'), [a.id, d.id, c.id, b.id]);
    assert.deepEqual(await ids('?sort=title'), [b.id, d.id, a.id, c.id], 'case-insensitive, ties on id ascending');
    assert.deepEqual(await ids('?sort=title&order=desc'), [c.id, a.id, d.id, b.id], 'ties on id descending');
    assert.deepEqual(await ids('?sort=priority'), [d.id, b.id, c.id, a.id], 'high > medium > low, ties on id descending');
    assert.deepEqual(await ids('?sort=priority&order=asc'), [a.id, c.id, b.id, d.id]);
    assert.deepEqual(await ids('?sort=due_date'), [c.id, d.id, a.id, b.id], 'soonest first, undated last');
    assert.deepEqual(await ids('?sort=due_date&order=desc'), [a.id, d.id, c.id, b.id], 'latest first, undated still last');
  });

  it('when tasks are listed by status, then only the matching ones come back', async () => {
    const user = await newUser();
    const open = (await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'open' } })).body;
    const done = (await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'done', completed: true } })).body;
    const ids = async (status: string) =>
      (await app.request('GET', `/api/tasks?status=${status}`, { token: user.token })).body.map((t: { id: number }) => t.id);
    assert.deepEqual(await ids('pending'), [open.id]);
    assert.deepEqual(await ids('completed'), [done.id]);
    assert.deepEqual(await ids('all'), [done.id, open.id]);
  });

  it('when a new user lists, then the list is empty', async () => {
    const user = await newUser();
    const res = await app.request('GET', '/api/tasks', { token: user.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, []);
  });
});
