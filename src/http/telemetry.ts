// Request ids, one structured log line per request, and Prometheus metrics.
// A log line has the request id, method, route template, operationId, status and latency: never headers
// (tokens), query strings (search text) or bodies (task contents).
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const REQUEST_ID = /^[\w.:-]{1,128}$/; // an incoming id is echoed and logged only if it cannot forge a log line

/** What the rest of the request pipeline tells telemetry, through res.locals. */
export interface RequestFacts {
  requestId: string;
  /** Set once the contract has matched the request. */
  operationId?: string;
  route?: string;
  /** Set by the error funnel when the database failed the request. */
  databaseFailure?: 'unavailable' | 'query';
}

export function requestFacts(res: Response): RequestFacts {
  return res.locals as RequestFacts;
}

interface Pool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

export interface Telemetry {
  middleware: RequestHandler;
  registry: Registry;
}

export function createTelemetry(logger: Logger, db: Knex): Telemetry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
    help: 'Requests failed by the database: unavailable (answered 503) or a failed query (500)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = (db.client as { pool?: Pool }).pool;
      this.set({ state: 'used' }, pool?.numUsed() ?? 0);
      this.set({ state: 'free' }, pool?.numFree() ?? 0);
      this.set({ state: 'pending' }, pool?.numPendingAcquires() ?? 0);
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const facts = requestFacts(res);
    facts.requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', facts.requestId);
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { operation: facts.operationId ?? 'none', method: req.method, status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, seconds);
      if (facts.databaseFailure) databaseErrors.inc({ kind: facts.databaseFailure });
      logger[res.statusCode >= 500 ? 'error' : 'info'](
        {
          reqId: facts.requestId,
          method: req.method,
          route: facts.route ?? null,
          operation: facts.operationId ?? null,
          status: res.statusCode,
          ms: Math.round(seconds * 1e5) / 100,
        },
        'request',
      );
    });
    next();
  };
  return { middleware, registry };
}
