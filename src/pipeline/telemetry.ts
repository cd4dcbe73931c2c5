// Request ids, one structured log line per request, and Prometheus metrics.
// A log line has the request id, method, route template, operationId, status and latency: never headers
// (tokens), query strings (search text) or bodies (task contents).
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { poolStats } from '../db/pool-stats.js';
import type { RequestContext } from './context.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/; // an incoming id is echoed and logged only if it cannot forge a log line

export interface Telemetry {
  middleware: RequestHandler;
  registry: Registry;
}

export function createTelemetry(logger: Logger, db: Knex, registry = new Registry()): Telemetry {
  collectDefaultMetrics({ register: registry });
  registry.removeSingleMetric('nodejs_version_info'); // what runs here is nobody else's business
  const labelNames = ['operation', 'method', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'Requests answered', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const databaseErrors = new Counter({
    name: 'db_errors_total',
    help: 'Requests failed by the database: unavailable or too slow (answered 503), or a failed query (500)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const { used, free, pending } = poolStats(db);
      this.set({ state: 'used' }, used);
      this.set({ state: 'free' }, free);
      this.set({ state: 'pending' }, pending);
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const context: RequestContext = { requestId: typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID() };
    res.locals.context = context;
    res.setHeader('X-Request-Id', context.requestId);
    const record = (status: number, clientLeft: boolean) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { operation: context.operationId ?? 'none', method: req.method, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
      const failure = context.databaseFailure;
      if (failure) databaseErrors.inc({ kind: failure.kind });
      const line = {
        reqId: context.requestId,
        method: req.method,
        route: context.route ?? null,
        operation: context.operationId ?? null,
        status,
        ms: Math.round(seconds * 1e5) / 100,
        ...(clientLeft ? { clientLeft: true } : {}),
        ...(failure ? { database: failure.reason } : {}),
      };
      // A 503 is an expected fault (a database outage's start and end are logged once, by its health watch);
      // a client that left is worth a look; any other 5xx is a bug, whose error the funnel has logged.
      if (status >= 500 && status !== 503) logger.error(line, 'request');
      else if (status === 503 || clientLeft) logger.warn(line, clientLeft ? 'request: the client left before the answer' : 'request');
      else logger.info(line, 'request');
    };
    res.once('close', () => {
      if (res.writableFinished) record(res.statusCode, false);
      // The client closed the connection first: logged once the handler is done, with what it settled on
      // (a create may still commit after its client gave up).
      else void Promise.resolve(context.handled).finally(() => record(context.outcome ?? 499, true));
    });
    next();
  };
  return { middleware, registry };
}
