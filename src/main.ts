// Process entry: config → database (migrated) → app → listen. SIGTERM/SIGINT drain and close everything.
// With WEB_CONCURRENCY > 1 this process is the primary: it owns the database (and the embedded server, if
// any), runs the migrations once, and keeps that many workers serving the port, replacing any that die.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createApp } from './app.js';
import { createTokenVerifier } from './auth/tokens.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateLatest } from './db/migrate.js';
import { createRateLimiter } from './http/rate-limit.js';
import { listen } from './http/server.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const { config, notices } = loadConfig();
  const logger = pino({ level: config.logLevel });
  for (const notice of notices) logger.warn(notice);
  if (cluster.isPrimary && config.webConcurrency > 1) await primary(config, logger);
  else await serve(config, logger);
}

function logFor(logger: Logger) {
  return { info: (m: string) => logger.info(m), debug: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m) };
}

/** One server: the whole service, or one worker of the primary's. */
async function serve(config: Config, logger: Logger): Promise<void> {
  const database = await openDatabase(config, logFor(logger));
  if (cluster.isPrimary) {
    const applied = await migrateLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  }
  const rateLimiter = await createRateLimiter(config.rateLimit, logFor(logger));
  const app = await createApp({ config, db: database.db, logger, verifyToken: createTokenVerifier(config.auth), rateLimiter });
  const server = await listen(app, config.port);
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, `Tasks API listening on http://localhost:${port} (docs at /docs)`);
  onStopSignal(logger, (exit) => {
    drain(server, () => Promise.all([database.close(), rateLimiter?.close()]), logger, exit);
  });
}

async function primary(config: Config, logger: Logger): Promise<void> {
  const database = await openDatabase(config, logFor(logger));
  const applied = await migrateLatest(database.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  if (config.rateLimit.enabled && !config.rateLimit.redisUrl) {
    logger.warn(`Rate limits are counted per worker (${config.webConcurrency} of them): set REDIS_URL to share one limit.`);
  }
  // Workers use this database (the embedded one's URL too) and never start their own.
  const fork = () => cluster.fork({ DATABASE_URL: database.url });
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
    setTimeout(fork, 500);
  });
  for (let i = 0; i < config.webConcurrency; i++) fork();
  logger.info(`Started ${config.webConcurrency} workers.`);

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
