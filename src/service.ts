// The composition root: the whole service on a database it is given, and how to stop it. The server process
// and every cluster worker build it here, and so do the tests (the benchmarks run the server process); they
// differ only in what they pass in. Everything the service is made of is made here and nowhere else.
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createTokenVerifier } from './auth/tokens.js';
import type { Config } from './config/index.js';
import { loadSpec, type Spec } from './contract/spec.js';
import { watchDatabaseHealth } from './db/health.js';
import { operations } from './operations.js';
import { expressApp, InFlight } from './pipeline/app.js';
import { errorFunnel } from './pipeline/errors.js';
import { createUserCosts } from './pipeline/limits.js';
import { createRateLimiter } from './pipeline/rate-limit.js';
import { createMetrics } from './pipeline/metrics.js';
import { createContract } from './pipeline/openapi.js';
import { listen, SERVER_TIMEOUTS, type ServerTimeouts } from './pipeline/server.js';
import { DOCS_ASSETS_PATH, docsAssets } from './service-routes/docs.js';
import { readinessCheck } from './service-routes/readiness.js';
import { ChangeHub } from './sync/hub.js';
import { createSyncRepository } from './sync/repository.js';
import { createChangeCursorCodec } from './sync/delta.js';
import { createCursorCodec } from './tasks/list.js';

export interface ServiceOptions {
  config: Pick<Config, 'port' | 'corsOrigins' | 'auth' | 'rateLimit' | 'metricsToken' | 'sync'>;
  db: Knex;
  logger: Logger;
  /** Where to listen; every interface when absent. */
  host?: string;
  timeouts?: ServerTimeouts;
  /** Where /metrics comes from when it is not this process's registry alone (a cluster worker's). */
  metrics?: { registry: Registry; exposition: () => Promise<string> };
  spec?: Spec;
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

export async function startService({ config, db, logger, host, timeouts = SERVER_TIMEOUTS, metrics, spec = loadSpec() }: ServiceOptions): Promise<Service> {
  const rateLimiter = await createRateLimiter(config.rateLimit, { warn: (message) => logger.warn(message) });
  const inFlight = new InFlight();
  // One account of the database's outages, whoever meets them: requests, readiness probes, the hub's looks.
  const health = watchDatabaseHealth(db, logger);
  const sync = createSyncRepository(db);
  const hub = new ChangeHub(sync, { pollMs: config.sync.pollMs, pageSize: 200, health, log: logger });
  const counted = createMetrics(db, metrics?.registry);
  const { rateLimit } = config;
  const costs = createUserCosts(rateLimit.enabled ? { atOnce: rateLimit.concurrentPerUser, rowsPerMinute: rateLimit.rowsPerMinute } : { atOnce: undefined, rowsPerMinute: undefined });
  const handlers = operations({
    costs,
    db,
    cursors: createCursorCodec(config.auth.secret),
    sync,
    changeCursors: createChangeCursorCodec(config.auth.secret),
    hub,
    streams: config.sync,
    ready: readinessCheck(db),
    spec,
    metrics: { contentType: counted.registry.contentType, exposition: metrics?.exposition ?? (() => counted.registry.metrics()) },
  });
  const contract = await createContract(spec, handlers, {
    verifyToken: createTokenVerifier(config.auth), limiter: rateLimiter, costs, answerMs: timeouts.answerMs, metricsToken: config.metricsToken,
  });
  const app = expressApp({
    logger,
    metrics: counted,
    corsOrigins: config.corsOrigins,
    files: { path: DOCS_ASSETS_PATH, router: docsAssets() },
    contract,
    inFlight,
    funnel: errorFunnel(logger, health),
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
