// The Prometheus metrics this process keeps: Node's own, requests by operation, method and status, their
// durations, the database's failures, and the pool's connections. Every request is counted into them by
// telemetry, the first of the app's steps (app.ts), which also writes its log line.
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { poolStats } from '../db/pool-stats.js';

const labelNames = ['operation', 'method', 'status'] as const;

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(db: Knex, registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  registry.removeSingleMetric('nodejs_version_info'); // what runs here is nobody else's business
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

  return { registry, requests, duration, databaseErrors };
}
