// Creates made safe to retry with an Idempotency-Key: the claim on the key and the task commit together,
// and the task as first created is kept with the key, as JSON text exactly as it was first sent, so that a
// retry (on any instance, within the window) gets the same body back.
import type { Knex } from 'knex';
import type { Created, IdempotentCreate, Owner, Task, TaskFields } from './task.js';
import { insertTask } from './writes.sql.js';

const IDEMPOTENCY_WINDOW = "interval '24 hours'";

/**
 * Creates the task once per (user, key). A concurrent retry waits on the claim, then reads what the first
 * request stored. The same key with another body is 'key-reused'. Keys older than the window are forgotten.
 */
export function createOnce(db: Knex, owner: Owner, fields: TaskFields, claim: IdempotentCreate): Promise<Created | 'key-reused'> {
  return db.transaction(async (trx) => {
    await trx('idempotency_keys').where({ user_id: owner.id }).andWhereRaw(`created_at < now() - ${IDEMPOTENCY_WINDOW}`).delete();
    const claimed = await trx.raw<{ rows: unknown[] }>(
      'insert into idempotency_keys (user_id, key, request_hash) values (?, ?, ?) on conflict do nothing returning key',
      [owner.id, claim.key, claim.requestHash],
    );
    if (claimed.rows.length === 0) {
      const stored = await trx('idempotency_keys')
        .where({ user_id: owner.id, key: claim.key })
        .first<{ request_hash: string; task: string }>('request_hash', trx.raw('task::text as task'));
      if (stored.request_hash !== claim.requestHash) return 'key-reused';
      // A new task's version is always 1: the stored task was sent with that ETag.
      return { task: JSON.parse(stored.task) as Task, version: 1, replayed: true };
    }
    const created = await insertTask(trx, owner, fields);
    await trx('idempotency_keys').where({ user_id: owner.id, key: claim.key }).update({ task: JSON.stringify(created.task) });
    return { ...created, replayed: false };
  });
}
