// Database outages, logged as outages: one line when requests start failing because the database is
// unavailable, one when it answers again, rather than a stack trace per failed request. "Answers again"
// means a statement that started during the outage got its answer, not one left over from before it.
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
  db.on('query', (query: { __knexQueryUid?: string }) => {
    if (downSince !== undefined && query.__knexQueryUid) startedWhileDown.add(query.__knexQueryUid);
  });
  db.on('query-error', (_error: unknown, query: { __knexQueryUid?: string }) => {
    if (query.__knexQueryUid) startedWhileDown.delete(query.__knexQueryUid);
  });
  db.on('query-response', (_response: unknown, query: { __knexQueryUid?: string }) => {
    if (downSince === undefined || !query.__knexQueryUid || !startedWhileDown.has(query.__knexQueryUid)) return;
    logger.info({ downMs: Date.now() - downSince, failedRequests: failed }, 'The database answers again.');
    downSince = undefined;
    startedWhileDown.clear();
  });
  return {
    unavailable(reason) {
      if (downSince !== undefined) {
        failed++;
        return;
      }
      downSince = Date.now();
      failed = 1;
      logger.warn({ reason }, 'The database is unavailable: requests that need it get 503 until it answers again.');
    },
  };
}
