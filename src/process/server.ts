// One server: the whole service, or one worker of a cluster primary's. It serves until told to stop, then
// drains: no new connections, the requests already received are answered (with Connection: close), the
// handlers whose clients left are waited for, and only then are the database and Redis closed.
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { startService, SYNC_SETTINGS, type Service } from '../service.js';
import { AggregatorRegistry, Registry } from 'prom-client';
import { databaseFromPrimary, metricsFromPrimary, SHUTDOWN_MESSAGE } from './cluster-messages.js';
import { limitHeapGrowth } from './heap.js';
import { logFor } from './log.js';
import { onShutdown } from './shutdown.js';

export async function runServer(config: Config, logger: Logger): Promise<void> {
  limitHeapGrowth();
  const log = logFor(logger);
  let database: Database | undefined;
  let service: Service | undefined;
  // Signals are handled from the start: one that comes while the database starts (an embedded PostgreSQL
  // included) stops everything once it has started, rather than leaving PostgreSQL behind an exited process.
  let starting: Promise<void> = Promise.resolve();
  const stop = onShutdown(logger, async () => {
    await starting.catch(() => undefined);
    await service?.close();
    await database?.close();
  });
  if (cluster.isWorker) {
    process.on('message', (message) => message === SHUTDOWN_MESSAGE && stop());
    process.once('disconnect', () => stop()); // the primary is gone
  }
  starting = (async () => {
    // A worker serves the primary's database, once it is migrated; a single server opens and migrates its own.
    const databaseUrl = cluster.isWorker ? await databaseFromPrimary() : config.databaseUrl;
    database = await openDatabase({ ...config, databaseUrl }, log);
    if (cluster.isPrimary) {
      const applied = await database.migrate();
      if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    }
    service = await startService({
      config, db: database.db, logger, metrics: cluster.isWorker ? clusterMetrics() : undefined,
      sync: { ...SYNC_SETTINGS, perUser: config.eventStreamsPerUser },
    });
    logger.info({ port: service.port }, `Tasks API listening on http://localhost:${service.port} (docs at /docs)`);
  })();
  await starting.catch(async (error: unknown) => {
    await database?.close(); // a failed start stops what it started
    throw error;
  });
}

/** A worker's metrics: its registry answers the primary's gathering; a scrape gets every worker's, summed. */
function clusterMetrics() {
  const registry = new Registry();
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // in a worker, constructing one makes prom-client answer the primary
  return { registry, exposition: metricsFromPrimary() };
}
