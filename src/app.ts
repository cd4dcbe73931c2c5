// Composition root: builds the express app from its dependencies. No listen, no environment.
import cors from 'cors';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createHandlers } from './operations.js';
import { createChangeCursorCodec, createCursorCodec } from './tasks/cursor.js';
import type { SyncDeps } from './sync/handlers.js';
import { createOpenApi } from './pipeline/openapi.js';
import { routeByContract } from './pipeline/route.js';
import { loadSpec, type Spec } from './contract/spec.js';
import type { VerifyToken } from './auth/tokens.js';
import type { Config } from './config/index.js';
import type { DatabaseHealth } from './db/health.js';
import type { UserCosts } from './pipeline/costs.js';
import { readinessCheck } from './db/knex.js';
import { createTaskRepository } from './tasks/repository.js';
import { DOCS_ASSETS_PATH, docsAssets } from './service-routes/docs.js';
import { errorFunnel } from './pipeline/errors.js';
import { InFlight } from './pipeline/in-flight.js';
import { securityHeaders } from './pipeline/security-headers.js';
import { createTelemetry } from './pipeline/telemetry.js';
import type { RateLimiter } from './pipeline/rate-limit.js';
import { SERVER_TIMEOUTS } from './pipeline/server.js';
import type { ChangeHub } from './sync/hub.js';

export interface AppDeps {
  config: Pick<Config, 'corsOrigins' | 'auth' | 'metricsToken'>;
  db: Knex;
  logger: Logger;
  /** Where a request that met an unavailable database says so, for the outage's one log line. */
  health: DatabaseHealth;
  /** What one user's searches and bulk actions may cost. */
  costs: UserCosts;
  verifyToken: VerifyToken;
  /** Absent when rate limiting is switched off. */
  rateLimiter?: RateLimiter;
  spec?: Spec;
  /** Tracks the operations being handled, so that shutdown can wait for them; one is made if absent. */
  inFlight?: InFlight;
  /** Where /metrics comes from when it is not this process's registry alone (a cluster worker's). */
  metrics?: { registry: Registry; exposition: () => Promise<string> };
  /** How long an operation may take once its request is read (src/pipeline/server.ts's SERVER_TIMEOUTS). */
  answerMs?: number;
  /** The process's change hub, which event streams subscribe to, and how streams behave. */
  sync: { hub: ChangeHub; streams: SyncDeps['streams'] };
}

export async function createApp(deps: AppDeps): Promise<Express> {
  const spec = deps.spec ?? loadSpec();
  const telemetry = createTelemetry(deps.logger, deps.db, deps.metrics?.registry);
  const handlers = createHandlers({
    metrics: { contentType: telemetry.registry.contentType, exposition: deps.metrics?.exposition ?? (() => telemetry.registry.metrics()) },
    tasks: createTaskRepository(deps.db),
    ready: readinessCheck(deps.db),
    spec,
    cursors: createCursorCodec(deps.config.auth.secret),
    changeCursors: createChangeCursorCodec(deps.config.auth.secret),
    hub: deps.sync.hub,
    streams: deps.sync.streams,
    costs: deps.costs,
  });
  const api = await createOpenApi(spec, handlers, deps.verifyToken, deps.rateLimiter, deps.answerMs ?? SERVER_TIMEOUTS.answerMs, deps.config.metricsToken);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(telemetry.middleware);
  app.use(securityHeaders());
  app.use(
    cors({
      origin: [...deps.config.corsOrigins],
      // Every header the typed client sends: Last-Event-ID is not CORS-safelisted, and without it here a
      // browser on another origin could never resume a dropped event stream.
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'Last-Event-ID', 'X-Request-Id'],
      exposedHeaders: ['ETag', 'Link', 'Location', 'Retry-After', 'WWW-Authenticate', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id'],
      maxAge: 600,
      preflightContinue: true, // routeByContract answers OPTIONS, with Allow
    }),
  );
  app.use(DOCS_ASSETS_PATH, docsAssets());
  app.use(routeByContract(api, deps.inFlight ?? new InFlight()));
  app.use(errorFunnel(deps.logger, deps.health));
  return app;
}
