// The task operations, each named as its implicit-scope operationId and serving both URL scopes: by the
// time one runs, the pipeline's checks (src/pipeline/checks.ts) have verified the caller, given it as
// c.principal, checked that a path's {user_id} is the caller, and matched the request to openapi.yaml. So
// a handler only reads the request, calls this folder's SQL (*.sql.ts, each statement scoped to the user),
// and says what to answer. Listing, with its query, cursors and Link, is an operation of its own: list.ts.
import type { Knex } from 'knex';
import type { Versioned, WriteOutcome } from './task.js';
import { etagOf, namesVersion, versionsIn } from './etag.js';
import type { UserCosts } from '../pipeline/limits.js';
import { Problem, problems } from '../contract/problem.js';
import { createListTasks, type CursorCodec } from './list.js';
import { requestFingerprint } from './fingerprint.js';
import { normalizeTaskCreate, normalizeTaskUpdate } from './input.js';
import type { Handler } from '../pipeline/handler.js';
import { createOnce } from './idempotency.sql.js';
import * as writes from './writes.sql.js';

function found<T>(task: T | null, id: number): T {
  if (task === null) throw problems.notFound(`Task ${id}`);
  return task;
}

/** A 200 with the task and its version as ETag. */
function taskReply({ task, version }: Versioned) {
  return { status: 200 as const, body: task, headers: { ETag: etagOf(version) } };
}

function written<T>(outcome: WriteOutcome<T>, id: number): T {
  if (outcome === 'not-found') throw problems.notFound(`Task ${id}`);
  if (outcome === 'precondition-failed') {
    throw new Problem(412, `Task ${id} has changed since the version in If-Match; fetch it again.`);
  }
  return outcome;
}

export function createTaskHandlers({ db, cursors, costs }: { db: Knex; cursors: CursorCodec; costs: UserCosts }) {
  const createTask: Handler<'createTask' | 'createUserTask'> = async (c) => {
    const fields = normalizeTaskCreate(c.body!);
    const key = c.headers['Idempotency-Key'];
    const created =
      key === undefined ? await writes.insertTask(db, c.principal, fields) : await createOnce(db, c.principal, fields, { key, requestHash: requestFingerprint(fields) });
    if (created === 'key-reused') {
      throw new Problem(422, 'This Idempotency-Key was already used with a different body.');
    }
    const headers: Record<string, string> = { ETag: etagOf(created.version), Location: `${c.path}/${created.task.id}` };
    if ('replayed' in created && created.replayed) headers['Idempotent-Replayed'] = 'true';
    return { status: 201, body: created.task, headers };
  };

  const getTask: Handler<'getTask' | 'getUserTask'> = async (c) => {
    const { task, version } = found(await writes.getTask(db, c.principal.id, c.params.id), c.params.id);
    const fresh = versionsIn(c.headers['If-None-Match'], 'weak');
    if (fresh !== undefined && namesVersion(fresh, version)) return { status: 304, body: undefined, headers: { ETag: etagOf(version) } };
    return taskReply({ task, version });
  };

  // PUT (at least one field, as validated) and PATCH (a merge patch, possibly empty) change a task alike.
  const patchTask: Handler<'patchTask' | 'patchUserTask' | 'updateTask' | 'updateUserTask'> = async (c) => {
    const ifMatch = versionsIn(c.headers['If-Match'], 'strong');
    const fields = normalizeTaskUpdate(c.body!);
    if (Object.keys(fields).length > 0) return taskReply(written(await writes.updateTask(db, c.principal.id, c.params.id, fields, ifMatch), c.params.id));
    // An empty merge patch changes nothing: the task as it is, when the precondition holds.
    const current = found(await writes.getTask(db, c.principal.id, c.params.id), c.params.id);
    const holds = ifMatch === undefined || namesVersion(ifMatch, current.version);
    return taskReply(written(holds ? current : 'precondition-failed', c.params.id));
  };

  const deleteTask: Handler<'deleteTask' | 'deleteUserTask'> = async (c) => {
    written(await writes.removeTask(db, c.principal.id, c.params.id, versionsIn(c.headers['If-Match'], 'strong')), c.params.id);
    return { status: 204, body: undefined };
  };

  const toggleTaskCompletion: Handler<'toggleTaskCompletion' | 'toggleUserTaskCompletion'> = async (c) => {
    const ifMatch = versionsIn(c.headers['If-Match'], 'strong');
    return taskReply(written(await writes.setCompleted(db, c.principal.id, c.params.id, c.body?.completed, ifMatch), c.params.id));
  };

  const listTasks = createListTasks({ db, cursors, costs });

  return { listTasks, createTask, getTask, updateTask: patchTask, patchTask, deleteTask, toggleTaskCompletion };
}
