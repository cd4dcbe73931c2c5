// Database outages, logged as outages: one line when requests start failing because the database is
// unavailable, one when it answers again, rather than a stack trace per failed request. "Answers again"
// means a statement that started during the outage got its answer, not one left over from before it. The
// statements are watched only during an outage: in good times no request runs any of this.
import type { Knex } from 'knex';
import type { Logger } from 'pino';

export interface DatabaseHealth {
  /** A request failed because the database is unavailable (`reason`: what kind of failure, in a few words). */
  unavailable(reason: string): void;
}

export function watchDatabaseHealth(db: Knex, logger: Pick<Logger, 'warn' | 'info'>): DatabaseHealth {
  let downSince: number | undefined;
  let failed = 0;
  const startedWhileDown = new Set<string>();
  const started = (query: { __knexQueryUid?: string }) => {
    if (query.__knexQueryUid) startedWhileDown.add(query.__knexQueryUid);
  };
  const failedAgain = (_error: unknown, query: { __knexQueryUid?: string }) => {
    if (query.__knexQueryUid) startedWhileDown.delete(query.__knexQueryUid);
  };
  const answered = (_response: unknown, query: { __knexQueryUid?: string }) => {
    if (downSince === undefined || !query.__knexQueryUid || !startedWhileDown.has(query.__knexQueryUid)) return;
    logger.info({ downMs: Date.now() - downSince, failedRequests: failed }, 'The database answers again.');
    downSince = undefined;
    startedWhileDown.clear();
    db.off('query', started).off('query-error', failedAgain).off('query-response', answered);
  };
  return {
    unavailable(reason) {
      if (downSince !== undefined) {
        failed++;
        return;
      }
      downSince = Date.now();
      failed = 1;
      db.on('query', started).on('query-error', failedAgain).on('query-response', answered);
      logger.warn({ reason }, 'The database is unavailable: requests that need it get 503 until it answers again.');
    },
  };
}
