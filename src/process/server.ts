// One server: the whole service, or one worker of a cluster primary's. It serves until told to stop, then
// drains: no new connections, the requests already received are answered (with Connection: close), the
// handlers whose clients left are waited for, and only then are the database and Redis closed.
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { startService } from '../service.js';
import { AggregatorRegistry, Registry } from 'prom-client';
import { databaseFromPrimary, metricsFromPrimary, SHUTDOWN_MESSAGE } from './cluster-messages.js';
import { logFor } from './log.js';
import { onShutdown } from './shutdown.js';

export async function runServer(config: Config, logger: Logger): Promise<void> {
  const log = logFor(logger);
  // A worker may be asked to stop while it is still starting: it then stops as soon as it serves.
  let stop: () => void = () => (stopAsked = true);
  let stopAsked = false;
  if (cluster.isWorker) {
    process.on('message', (message) => message === SHUTDOWN_MESSAGE && stop());
    process.once('disconnect', () => stop()); // the primary is gone
  }
  // A worker serves the primary's database, once it is migrated; a single server opens and migrates its own.
  const databaseUrl = cluster.isWorker ? await databaseFromPrimary() : config.databaseUrl;
  const database = await openDatabase({ ...config, databaseUrl }, log);
  if (cluster.isPrimary) {
    const applied = await database.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  }
  const service = await startService({ config, db: database.db, logger, metrics: cluster.isWorker ? clusterMetrics() : undefined });
  logger.info({ port: service.port }, `Tasks API listening on http://localhost:${service.port} (docs at /docs)`);

  stop = onShutdown(logger, async () => {
    await service.close();
    await database.close();
  });
  if (stopAsked) stop();
}

/** A worker's metrics: its registry answers the primary's gathering; a scrape gets every worker's, summed. */
function clusterMetrics() {
  const registry = new Registry();
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // in a worker, constructing one makes prom-client answer the primary
  return { registry, exposition: metricsFromPrimary() };
}
