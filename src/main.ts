// Process entry: config → database (migrated) → app → listen. SIGTERM/SIGINT drain and close everything.
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp } from './app.js';
import { createTokenVerifier } from './auth/tokens.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateLatest } from './db/migrate.js';
import { createRateLimiter } from './http/rate-limit.js';
import { listen } from './http/server.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const { config, notices } = loadConfig();
  const logger = pino({ level: config.logLevel });
  for (const notice of notices) logger.warn(notice);

  const log = { info: (m: string) => logger.info(m), debug: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m) };
  const database = await openDatabase(config, log);
  const applied = await migrateLatest(database.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

  const rateLimiter = await createRateLimiter(config.rateLimit, log);
  const app = await createApp({ config, db: database.db, logger, verifyToken: createTokenVerifier(config.auth), rateLimiter });
  const server = await listen(app, config.port);
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, `Tasks API listening on http://localhost:${port} (docs at /docs)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests, then closing.`);
    const deadline = setTimeout(() => {
      logger.error('Shutdown took too long; exiting.');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    deadline.unref();
    server.close(() => {
      Promise.all([database.close(), rateLimiter?.close()]).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'closing the database failed');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
