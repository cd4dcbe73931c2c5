// Composition root: the whole service on a database it is given (the token verifier, the rate limiter, the
// app and its HTTP server) and how to stop it. The server process and every cluster worker build it here,
// and so do the tests (the benchmarks run the server process); they differ only in what they pass in.
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createApp, type AppDeps } from './app.js';
import { createTokenVerifier } from './auth/tokens.js';
import type { Config } from './config/index.js';
import { createUserCosts } from './pipeline/costs.js';
import { InFlight } from './pipeline/in-flight.js';
import { createRateLimiter } from './pipeline/rate-limit.js';
import { listen, SERVER_TIMEOUTS, type ServerTimeouts } from './pipeline/server.js';
import { watchDatabaseHealth } from './db/health.js';
import { createTaskRepository } from './tasks/repository.js';
import { ChangeHub } from './sync/hub.js';

/** How the event streams behave: how often the change log is read, heartbeats, limits. Tests shorten them. */
export interface SyncSettings {
  pollMs: number;
  heartbeatMs: number;
  retryMs: number;
  slowConsumerMs: number;
  perUser: number;
}
export const SYNC_SETTINGS: SyncSettings = { pollMs: 250, heartbeatMs: 15_000, retryMs: 3_000, slowConsumerMs: 30_000, perUser: 5 };

export interface ServiceOptions {
  config: Pick<Config, 'port' | 'corsOrigins' | 'auth' | 'rateLimit' | 'metricsToken'>;
  db: Knex;
  logger: Logger;
  /** Where to listen; every interface when absent. */
  host?: string;
  timeouts?: ServerTimeouts;
  metrics?: AppDeps['metrics'];
  sync?: SyncSettings;
}

export interface Service {
  port: number;
  server: Server;
  /**
   * Drains: no new connections, what was received is answered, and once every handler has finished (those
   * whose clients left included) the rate limiter's store is closed. The database is the caller's.
   */
  close(): Promise<void>;
}

export async function startService({ config, db, logger, host, timeouts = SERVER_TIMEOUTS, metrics, sync = SYNC_SETTINGS }: ServiceOptions): Promise<Service> {
  const rateLimiter = await createRateLimiter(config.rateLimit, { warn: (message) => logger.warn(message) });
  const inFlight = new InFlight();
  // One account of the database's outages, whoever meets them: requests, readiness probes, the hub's looks.
  const health = watchDatabaseHealth(db, logger);
  const hub = new ChangeHub(createTaskRepository(db), { pollMs: sync.pollMs, pageSize: 200, health, log: logger });
  const app = await createApp({
    costs: createUserCosts(
      config.rateLimit.enabled
        ? { atOnce: config.rateLimit.concurrentPerUser, rowsPerMinute: config.rateLimit.rowsPerMinute }
        : { atOnce: undefined, rowsPerMinute: undefined },
    ),
    config, db, logger, health, verifyToken: createTokenVerifier(config.auth), rateLimiter, inFlight, metrics, answerMs: timeouts.answerMs,
    sync: { hub, streams: sync },
  });
  const http = await listen(app, config.port, host, timeouts);
  return {
    port: http.port,
    server: http.server,
    async close() {
      await hub.close(); // ends the event streams (with a retry hint), which would keep their connections open
      await http.close();
      await inFlight.settled();
      await rateLimiter?.close();
    },
  };
}
