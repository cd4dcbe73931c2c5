// Process entry: config → database (migrated) → app → listen. SIGTERM/SIGINT drain and close everything.
// With WEB_CONCURRENCY > 1 this process is the primary: it owns the database (and the embedded server, if
// any), runs the migrations once, and keeps that many workers serving the port, replacing any that die.
// The app's modules are imported only where the app runs, so the primary starts the database while its
// workers load them: start-up to ready stays under a second either way.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const { config, notices } = loadConfig();
  const logger = pino({ level: config.logLevel });
  for (const notice of notices) logger.warn(notice);
  if (cluster.isPrimary && config.webConcurrency > 1) {
    await primary(config, logger);
    return;
  }
  const modules = loadApp(); // while a worker waits for the primary's database
  const databaseUrl = cluster.isWorker ? await databaseFromPrimary() : config.databaseUrl;
  await serve({ ...config, databaseUrl }, logger, await modules);
}

/** The app's modules: only the processes that serve requests load them. */
function loadApp() {
  return Promise.all([import('./app.js'), import('./auth/tokens.js'), import('./http/rate-limit.js'), import('./http/server.js')]);
}

/** What a worker asks its primary, and the answer once the database is up and migrated. */
const DATABASE_QUESTION = 'database?';
interface DatabaseReady {
  databaseUrl: string;
}

/** A worker serves only once the primary's database is migrated; it asks, and waits for the answer. */
function databaseFromPrimary(): Promise<string> {
  return new Promise((resolve) => {
    process.once('message', (message: DatabaseReady) => resolve(message.databaseUrl));
    process.once('disconnect', () => process.exit(1)); // the primary failed to start, and is gone
    process.send!(DATABASE_QUESTION);
  });
}

function logFor(logger: Logger) {
  return { info: (m: string) => logger.info(m), debug: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m) };
}

/** One server: the whole service, or one worker of the primary's. */
async function serve(config: Config, logger: Logger, modules: Awaited<ReturnType<typeof loadApp>>): Promise<void> {
  const [{ createApp }, { createTokenVerifier }, { createRateLimiter }, { listen }] = modules;
  const database = await openDatabase(config, logFor(logger));
  if (cluster.isPrimary) {
    const applied = await database.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  }
  const rateLimiter = await createRateLimiter(config.rateLimit, logFor(logger));
  const app = await createApp({ config, db: database.db, logger, verifyToken: createTokenVerifier(config.auth), rateLimiter });
  const http = await listen(app, config.port);
  const { server, port } = http;
  logger.info({ port }, `Tasks API listening on http://localhost:${port} (docs at /docs)`);
  onStopSignal(logger, (exit) => {
    drain(server, () => Promise.all([database.close(), rateLimiter?.close()]), logger, exit);
  });
}

async function primary(config: Config, logger: Logger): Promise<void> {
  // Workers start at once and load the app while the database starts and migrates; each asks for it, and is
  // answered when it is ready (at once, for workers that come later).
  const ready = (async (): Promise<{ database: Database; answer: DatabaseReady }> => {
    const database = await openDatabase(config, logFor(logger));
    const applied = await database.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    // Workers use this database (the embedded one's URL too) and never start their own.
    return { database, answer: { databaseUrl: database.url } };
  })();
  cluster.on('message', (worker, message) => {
    // If the start fails, the workers are stopped below.
    if (message === DATABASE_QUESTION) ready.then(({ answer }) => worker.isConnected() && worker.send(answer), () => {});
  });
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
    setTimeout(() => cluster.fork(), 500);
  });
  // One worker first, the others once it listens: on a small machine, workers loading side by side would
  // each take longer than one alone, and the service is ready as soon as one serves.
  cluster.fork();
  cluster.once('listening', () => {
    for (let i = 1; i < config.webConcurrency; i++) cluster.fork();
  });

  const database = await ready.then(
    (started) => started.database,
    async (error: unknown) => {
      stopping = true; // the start failed: stop the workers still loading, and replace none
      const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
      await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve).process.kill())));
      throw error;
    },
  );
  if (config.rateLimit.enabled && !config.rateLimit.redisUrl) {
    logger.warn(`Rate limits are counted per worker (${config.webConcurrency} of them): set REDIS_URL to share one limit.`);
  }
  logger.info(`Database ready; ${config.webConcurrency} workers serve the port.`);

  onStopSignal(logger, (exit) => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    const gone = workers.map((w) => new Promise((resolve) => (w.isDead() ? resolve(undefined) : w.once('exit', resolve))));
    for (const worker of workers) worker.process.kill('SIGTERM');
    void Promise.all(gone)
      .then(() => database.close())
      .then(() => exit(0), (error: unknown) => {
        logger.error({ err: error }, 'closing the database failed');
        exit(1);
      });
  }, SHUTDOWN_GRACE_MS + 5000); // the workers get their own full grace period first
}

/** Runs `stop` once on SIGTERM or SIGINT, with a deadline after which the process exits 1. */
function onStopSignal(logger: Logger, stop: (exit: (code: number) => void) => void, graceMs = SHUTDOWN_GRACE_MS): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests, then closing.`);
    setTimeout(() => {
      logger.error('Shutdown took too long; exiting.');
      process.exit(1);
    }, graceMs).unref();
    stop((code) => process.exit(code));
  };
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
}

/** Stops accepting, lets in-flight requests finish, then closes what the server used. */
function drain(server: Server, close: () => Promise<unknown>, logger: Logger, exit: (code: number) => void): void {
  server.close(() => {
    close().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'closing the database failed');
        exit(1);
      },
    );
  });
  server.closeIdleConnections();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
