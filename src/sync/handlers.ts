// The operations that keep clients in step, each named as its implicit-scope operationId and serving both
// URL scopes: counts, the bulk actions, delta sync and the event stream. The caller is authenticated and
// the path's user checked before any of them runs, as for every task operation.
import type { UserCosts } from '../pipeline/limits.js';
import { Problem } from '../contract/problem.js';
import type { SyncRepository } from './repository.js';
import { openSse } from './sse.js';
import type { ChangeHub } from './hub.js';
import { collapse, missed, type ChangeCursorCodec } from './delta.js';
import { serveEvents, type StreamTimings } from './event-stream.js';
import { filtersOf } from '../tasks/list.js';
import type { Handler } from '../pipeline/handler.js';

export interface SyncDeps {
  sync: SyncRepository;
  changeCursors: ChangeCursorCodec;
  hub: ChangeHub;
  streams: StreamTimings & { perUser: number };
  costs: UserCosts;
}

function badCursor(where: 'query' | 'header', field: string, message: string): never {
  throw new Problem(400, `The ${field} ${message}.`, { errors: [{ in: where, field: `/${field}`, message }] });
}

export function createSyncHandlers({ sync, changeCursors, hub, streams, costs }: SyncDeps) {
  const getTaskSummary: Handler<'getTaskSummary' | 'getUserTaskSummary'> = async (c) => ({ status: 200, body: await sync.summary(c.principal.id) });

  const setTasksCompletion: Handler<'setTasksCompletion' | 'setUserTasksCompletion'> = async (c) => {
    const user = c.principal.id;
    const changed = await costs.bulkWrite(user, () => sync.setCompletedWhere(user, filtersOf(c.query), c.body!.completed));
    return { status: 200, body: { changed } };
  };

  const deleteCompletedTasks: Handler<'deleteCompletedTasks' | 'deleteUserCompletedTasks'> = async (c) => {
    const user = c.principal.id;
    return { status: 200, body: { deleted: await costs.bulkWrite(user, () => sync.deleteCompleted(user)) } };
  };

  const listTaskChanges: Handler<'listTaskChanges' | 'listUserTaskChanges'> = async (c) => {
    const user = c.principal.id;
    if (c.query.since === undefined) {
      return { status: 200, body: { changed: [], deleted: [], cursor: changeCursors.encode(await sync.lastChange(user), user), more: false } };
    }
    const since = changeCursors.decode(c.query.since, user) ?? badCursor('query', 'since', 'is not a cursor of your changes');
    const limit = c.query.limit ?? 100;
    const changes = await sync.changesAfter(user, since, limit + 1);
    if (missed(since, changes[0]?.seq, changes.length > 0 ? changes.at(-1)!.seq : await sync.lastChange(user))) {
      throw new Problem(410, 'The changes since this cursor are no longer kept; load the list again and start from a new cursor.');
    }
    const page = changes.slice(0, limit);
    const cursor = changeCursors.encode(page.at(-1)?.seq ?? since, user);
    return { status: 200, body: { ...collapse(page), cursor, more: changes.length > limit } };
  };

  const streamTaskEvents: Handler<'streamTaskEvents' | 'streamUserTaskEvents'> = async (c) => {
    const { id: user, expiresAt } = c.principal;
    // Held for as long as the exchange lasts, whichever way it ends: streaming, refused, or timed out.
    const release = hub.claim(user, streams.perUser);
    if (!release) {
      throw new Problem(429, `At most ${streams.perUser} event streams may be open at once for one user; close one first.`, { headers: { 'Retry-After': '5' } });
    }
    c.onClose(release);
    const header = c.headers['Last-Event-ID'];
    const last = await sync.lastChange(user);
    const from = header === undefined ? last : (changeCursors.decode(header, user) ?? badCursor('header', 'Last-Event-ID', 'is not an event id of your stream'));
    // Told before anything else when the changes it missed are no longer kept, or when its id is past the
    // user's last change (a database restored from a backup): it starts again from now.
    const resync = from > last || (from < last && missed(from, (await sync.changesAfter(user, from, 1))[0]?.seq, last));
    const session = { userId: user, position: resync ? last : from, resync, liveAt: last, expiresAt, cursorOf: (seq: number) => changeCursors.encode(seq, user) };
    return {
      status: 200,
      body: '',
      stream: (res) => serveEvents(openSse(res, streams.retryMs), hub, session, streams),
    };
  };

  return { getTaskSummary, setTasksCompletion, deleteCompletedTasks, listTaskChanges, streamTaskEvents };
}
