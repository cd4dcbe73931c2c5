// The cluster primary (WEB_CONCURRENCY > 1): it owns the database (and the embedded server, if any), runs
// the migrations once, keeps that many workers serving the port, replacing any that die, and on shutdown
// lets every worker drain before closing the database. It never loads the app itself, so that it starts
// the database while its first worker loads.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { migrateLatest } from '../../migrations/migrate.js';
import { openDatabase, type Database } from '../db/database.js';
import { AggregatorRegistry } from 'prom-client';
import { DATABASE_QUESTION, isMetricsMessage, METRICS_ANSWER, METRICS_QUESTION, SHUTDOWN_MESSAGE, type DatabaseReady, type MetricsMessage } from './cluster-messages.js';
import { logFor } from './log.js';
import { onShutdown, SHUTDOWN_GRACE_MS } from './shutdown.js';

export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const ready = (async (): Promise<{ database: Database; answer: DatabaseReady }> => {
    const database = await openDatabase(config, logFor(logger));
    const applied = await database.schema(migrateLatest).catch(async (error: unknown) => {
      await database.close(); // a failed start stops what it started (an embedded PostgreSQL)
      throw error;
    });
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    // Workers use this database (the embedded one's URL too) and never start their own.
    return { database, answer: { databaseUrl: database.url } };
  })();
  let stopping = false;
  const metrics = new AggregatorRegistry();
  cluster.on('message', (worker, message) => {
    if (!isMetricsMessage(message, METRICS_QUESTION)) return;
    const answer = (reply: Omit<MetricsMessage, 'type' | 'id'>) => worker.isConnected() && worker.send({ type: METRICS_ANSWER, id: message.id, ...reply });
    metrics.clusterMetrics().then((text) => answer({ text }), (error: Error) => answer({ error: error.message }));
  });
  cluster.on('message', (worker, message) => {
    if (message !== DATABASE_QUESTION) return;
    // A worker that asks once the service is stopping (or failed to start) is told to stop instead.
    const reply = (answer: DatabaseReady | typeof SHUTDOWN_MESSAGE) => worker.isConnected() && worker.send(answer);
    ready.then(({ answer }) => reply(stopping ? SHUTDOWN_MESSAGE : answer), () => reply(SHUTDOWN_MESSAGE));
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
    setTimeout(() => cluster.fork(), 500);
  });
  const stopWorkers = async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    await Promise.all(
      workers.map((worker) => {
        if (worker.isDead()) return Promise.resolve();
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
        else worker.process.kill('SIGTERM');
        return exited;
      }),
    );
  };
  // Signals are handled from the start: one that comes while the database starts (an embedded PostgreSQL
  // included) stops the workers and then the database once it has started. The workers get their own full
  // grace period first.
  onShutdown(logger, async () => {
    const started = await ready.catch(() => undefined);
    await stopWorkers();
    await started?.database.close();
  }, SHUTDOWN_GRACE_MS + 5000);
  // One worker first, the others once it listens: on a small machine, workers loading side by side would
  // each take longer than one alone, and the service is ready as soon as one serves.
  cluster.fork();
  cluster.once('listening', () => {
    for (let i = 1; i < config.webConcurrency; i++) cluster.fork();
  });

  await ready.catch(async (error: unknown) => {
    await stopWorkers(); // the start failed: stop the workers still loading (told so when they ask), and replace none
    throw error;
  });
  if (config.rateLimit.enabled && !config.rateLimit.redisUrl) {
    logger.warn(`Rate limits are counted per worker (${config.webConcurrency} of them): set REDIS_URL to share one limit.`);
  }
  logger.info(`Database ready; ${config.webConcurrency} workers serve the port.`);
}
