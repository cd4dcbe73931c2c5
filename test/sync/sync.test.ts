// Delta sync, counts and bulk actions, in both scopes: what a client offline for a while catches up with,
// what a "3 items left" badge reads, and the actions every todo UI has.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, startTestApp, type TestApp } from '../helpers.js';
import { EVENTS_KEPT_PER_USER } from '../../migrations/20261207000000_change_log_kept_by_count.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

const past = new Date(Date.now() - 86_400_000).toISOString();
const future = new Date(Date.now() + 86_400_000).toISOString();

for (const scopeName of ['implicit', 'explicit'] as const) {
  const scope = (user: { id: string }) => (scopeName === 'implicit' ? '/api/tasks' : `/api/${encodeURIComponent(user.id)}/tasks`);

  describe(`counts and bulk actions (${scopeName} scope)`, () => {
    it('when tasks are created, completed, due and deleted, then the summary counts total, pending, completed and overdue', async () => {
      const user = await newUser();
      const create = (body: object) => app.request('POST', scope(user), { token: user.token, body });
      assert.deepEqual((await app.request('GET', `${scope(user)}/summary`, { token: user.token })).body, { total: 0, pending: 0, completed: 0, overdue: 0 });
      const late = await create({ title: 'Late', due_date: past });
      await create({ title: 'Late but done', due_date: past, completed: true });
      await create({ title: 'Later', due_date: future });
      const gone = await create({ title: 'Gone', due_date: past });
      await app.request('DELETE', `${scope(user)}/${gone.body.id}`, { token: user.token });
      assert.deepEqual((await app.request('GET', `${scope(user)}/summary`, { token: user.token })).body, { total: 3, pending: 2, completed: 1, overdue: 1 });
      await app.request('PATCH', `${scope(user)}/${late.body.id}/complete`, { token: user.token });
      assert.deepEqual((await app.request('GET', `${scope(user)}/summary`, { token: user.token })).body, { total: 3, pending: 1, completed: 2, overdue: 0 });
    });

    it('when every matching task is completed or reopened, then only those change, each once, and the answer says how many', async () => {
      const user = await newUser();
      const create = async (body: object) => (await app.request('POST', scope(user), { token: user.token, body })).body;
      const work = [await create({ title: 'Work 1', tags: ['work'] }), await create({ title: 'Work 2', tags: ['work'], completed: true })];
      const home = await create({ title: 'Home', tags: ['home'] });
      const done = await app.request('PATCH', `${scope(user)}?tag=work`, { token: user.token, body: { completed: true } });
      assert.equal(done.status, 200);
      assert.deepEqual(done.body, { changed: 1 }, 'the one already completed is not changed again');
      const after1 = (await app.request('GET', `${scope(user)}?sort=title`, { token: user.token })).body as Array<{ id: number; completed: boolean; completed_at: string | null }>;
      const byId = new Map(after1.map((t) => [t.id, t]));
      assert.equal(byId.get(work[0].id)!.completed, true);
      assert.ok(byId.get(work[0].id)!.completed_at);
      assert.equal(byId.get(work[1].id)!.completed_at, work[1].completed_at, 'its completion time is kept');
      assert.equal(byId.get(home.id)!.completed, false);
      assert.deepEqual((await app.request('PATCH', scope(user), { token: user.token, body: { completed: false } })).body, { changed: 2 });
      assert.deepEqual((await app.request('GET', `${scope(user)}/summary`, { token: user.token })).body.completed, 0);
      assert.equal((await app.request('PATCH', scope(user), { token: user.token, body: {} })).status, 400, 'completed is required');
    });

    it('when completed tasks are deleted, then those and only those go, and the answer says how many', async () => {
      const user = await newUser();
      for (const [title, completed] of [['a', true], ['b', true], ['c', false]] as const) {
        await app.request('POST', scope(user), { token: user.token, body: { title, completed } });
      }
      assert.deepEqual((await app.request('DELETE', `${scope(user)}/completed`, { token: user.token })).body, { deleted: 2 });
      assert.deepEqual((await app.request('GET', scope(user), { token: user.token })).body.map((t: { title: string }) => t.title), ['c']);
      assert.deepEqual((await app.request('DELETE', `${scope(user)}/completed`, { token: user.token })).body, { deleted: 0 });
    });
  });

  describe(`delta sync (${scopeName} scope)`, () => {
    it('when a client comes back with its cursor, then it gets what changed and what was deleted, each once, in pages', async () => {
      const user = await newUser();
      const kept = (await app.request('POST', scope(user), { token: user.token, body: { title: 'Kept' } })).body;
      const doomed = (await app.request('POST', scope(user), { token: user.token, body: { title: 'Doomed' } })).body;
      const start = await app.request('GET', `${scope(user)}/changes`, { token: user.token });
      assert.deepEqual({ ...start.body, cursor: '' }, { changed: [], deleted: [], cursor: '', more: false });

      // Offline meanwhile: another device changes things.
      const edited = (await app.request('PUT', `${scope(user)}/${kept.id}`, { token: user.token, body: { title: 'Edited' } })).body;
      const again = (await app.request('PATCH', `${scope(user)}/${kept.id}/complete`, { token: user.token })).body;
      await app.request('DELETE', `${scope(user)}/${doomed.id}`, { token: user.token });
      const added = (await app.request('POST', scope(user), { token: user.token, body: { title: 'Added' } })).body;

      const all = await app.request('GET', `${scope(user)}/changes?since=${start.body.cursor}`, { token: user.token });
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.changed, [again, added], 'the edited task once, as it last was');
      assert.notDeepEqual(again, edited);
      assert.deepEqual(all.body.deleted, [doomed.id]);
      assert.equal(all.body.more, false);

      // The same changes a page at a time: applied in order, they end in the same state.
      const pages = [];
      for (let cursor = start.body.cursor as string, more = true; more; ) {
        const page = (await app.request('GET', `${scope(user)}/changes?since=${cursor}&limit=2`, { token: user.token })).body;
        pages.push(page);
        ({ cursor, more } = page);
      }
      assert.deepEqual(pages.map((p) => [p.changed.map((t: { title: string }) => t.title), p.deleted]), [[['Edited'], []], [['Added'], [doomed.id]]]);
      const caughtUp = await app.request('GET', `${scope(user)}/changes?since=${pages.at(-1).cursor}`, { token: user.token });
      assert.deepEqual({ ...caughtUp.body, cursor: '' }, { changed: [], deleted: [], cursor: '', more: false });
      assert.equal(caughtUp.body.cursor, pages.at(-1).cursor, 'nothing new: the same cursor');
    });

    it('when a cursor is altered or another user’s, then 400', async () => {
      const [user, other] = [await newUser(), await newUser()];
      const { cursor } = (await app.request('GET', `${scope(other)}/changes`, { token: other.token })).body;
      const altered = `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`;
      for (const since of [cursor, altered]) {
        const res = await app.request('GET', `${scope(user)}/changes?since=${since}`, { token: user.token });
        assert.equal(res.status, 400);
        assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['/since']);
      }
    });

    it('when the user writes, then their changes older than a day are no longer kept, and newer ones are', async () => {
      const user = await newUser();
      const other = await newUser();
      for (const who of [user, user, user, other]) await app.request('POST', scope(who), { token: who.token, body: { title: 'Kept a while' } });
      const age = (seq: number, hours: number) =>
        app.db('task_events').whereIn('user_id', [user.id, other.id]).andWhere({ seq }).update({ at: app.db.raw(`now() - interval '${hours} hours'`) });
      await age(1, 25);
      await age(2, 23);
      await app.request('POST', scope(user), { token: user.token, body: { title: 'Now' } });
      const kept = async (who: { id: string }) => (await app.db('task_events').where({ user_id: who.id }).orderBy('seq').pluck('seq')).map(Number);
      assert.deepEqual(await kept(user), [2, 3, 4]);
      assert.deepEqual(await kept(other), [1], 'another user’s log is theirs to trim');
    });

    it('when a user has more changes than the log keeps, then the oldest go as they write, and a cursor from before them is a 410', async () => {
      const user = await newUser();
      const other = await newUser();
      const { cursor } = (await app.request('GET', `${scope(user)}/changes`, { token: user.token })).body;
      for (const who of [user, other]) await app.request('POST', scope(who), { token: who.token, body: { title: 'First' } });
      // A busy log, as a loop of bulk toggles leaves it: the user's numbers 2 … the most kept, all recent.
      await app.db.raw(
        `insert into task_events (user_id, seq, kind, task_id, version, task)
         select ?, n, 'updated', 1, n, null from generate_series(2, ?) as n`,
        [user.id, EVENTS_KEPT_PER_USER],
      );
      await app.db('users').where({ id: user.id }).update({ last_event_seq: EVENTS_KEPT_PER_USER });
      const kept = async (who: { id: string }) => {
        const [row] = await app.db('task_events').where({ user_id: who.id }).select(app.db.raw('count(*)::int as n, min(seq)::int as first, max(seq)::int as last'));
        return row as { n: number; first: number; last: number };
      };
      assert.deepEqual(await kept(user), { n: EVENTS_KEPT_PER_USER, first: 1, last: EVENTS_KEPT_PER_USER });
      await app.request('POST', scope(user), { token: user.token, body: { title: 'One more' } });
      assert.deepEqual(await kept(user), { n: EVENTS_KEPT_PER_USER, first: 2, last: EVENTS_KEPT_PER_USER + 1 }, 'the oldest went');
      assert.deepEqual(await kept(other), { n: 1, first: 1, last: 1 }, 'another user’s log is theirs');
      assert.equal((await app.request('GET', `${scope(user)}/changes?since=${cursor}`, { token: user.token })).status, 410);
    });

    it('when the changes since a cursor are no longer kept, then 410, and a new cursor starts again', async () => {
      const user = await newUser();
      const { cursor } = (await app.request('GET', `${scope(user)}/changes`, { token: user.token })).body;
      await app.request('POST', scope(user), { token: user.token, body: { title: 'Old' } });
      await app.db('task_events').where({ user_id: user.id }).delete(); // as if older than a day
      const gone = await app.request('GET', `${scope(user)}/changes?since=${cursor}`, { token: user.token });
      assert.equal(gone.status, 410);
      assert.match(gone.body.detail, /load the list again/);
      const fresh = (await app.request('GET', `${scope(user)}/changes`, { token: user.token })).body.cursor;
      assert.equal((await app.request('GET', `${scope(user)}/changes?since=${fresh}`, { token: user.token })).status, 200);
    });
  });
}

describe('bulk actions under a database bound', () => {
  it('when a bulk action cannot finish within the statement bound, then 503 and nothing changed: no task, no count, no event', async () => {
    const user = await newUser();
    for (const title of ['a', 'b', 'c']) await app.request('POST', '/api/tasks', { token: user.token, body: { title } });
    const events = async () => Number((await app.db('task_events').where({ user_id: user.id }).count({ n: '*' }))[0]!.n);
    const before = await events();
    const blocker = await app.db.transaction();
    try {
      await blocker('tasks').where({ user_id: user.id, id: 2 }).forUpdate().select('id'); // the others are changed first, then it waits
      const answer = await app.request('PATCH', '/api/tasks', { token: user.token, body: { completed: true } });
      assert.equal(answer.status, 503);
      assert.equal(answer.headers.get('retry-after'), '5');
    } finally {
      await blocker.rollback();
    }
    const tasks = (await app.request('GET', '/api/tasks', { token: user.token })).body as Array<{ completed: boolean }>;
    assert.deepEqual(tasks.map((t) => t.completed), [false, false, false]);
    assert.deepEqual((await app.request('GET', '/api/tasks/summary', { token: user.token })).body, { total: 3, pending: 3, completed: 0, overdue: 0 });
    assert.equal(await events(), before);
  });
});
