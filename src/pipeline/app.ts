// The express app every request passes through, in this order: telemetry (its id, its log line, its
// metrics), the headers every answer starts with, CORS, the docs pages' files, then the contract: the checks
// in their order (checks.ts) and the operation's handler (dispatch.ts); last, the error funnel. It is handed
// what it chains (src/service.ts builds each); no listen, no environment.
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { problems, Problem } from '../contract/problem.js';
import { parametersOf, runChecks, type ContractRequest } from './checks.js';
import type { RequestContext } from './context.js';
import type { Metrics } from './metrics.js';
import type { Contract } from './openapi.js';
import { allowedMethods } from './openapi-backend-router.js';
import { HELMET_OPTIONS, helmetHeaders } from './security-headers.js';

export interface AppParts {
  logger: Logger;
  metrics: Metrics;
  corsOrigins: readonly string[];
  /** Files served as they are under `path` (the docs pages'), so that no other request walks their router. */
  files: { path: string; router: RequestHandler };
  contract: Contract;
  /** Tracks the operations being handled, so that shutdown can wait for them. */
  inFlight: InFlight;
  funnel: ErrorRequestHandler;
}

export function expressApp({ logger, metrics, corsOrigins, files, contract, inFlight, funnel }: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const observe = telemetry(logger, metrics);
  // helmet's security headers and no caching; they do not depend on the request (security-headers.ts).
  const headers = [...helmetHeaders(HELMET_OPTIONS), ['Cache-Control', 'no-store'] as const]; // the docs assets replace Cache-Control
  const corsHeaders = cors({
    origin: [...corsOrigins],
    // Every header the typed client sends: Last-Event-ID is not CORS-safelisted, and without it here a
    // browser on another origin could never resume a dropped event stream.
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'Last-Event-ID', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Link', 'Location', 'Retry-After', 'WWW-Authenticate', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id'],
    maxAge: 600,
    preflightContinue: true, // routeByContract answers OPTIONS, with Allow
  });
  // One layer of express's router for the three: each layer costs every request a turn through the router.
  app.use((req, res, next) => {
    observe(req, res);
    for (const [name, value] of headers) res.setHeader(name, value);
    // CORS is for browsers, which send Origin with every cross-origin request (and every preflight); to any
    // other caller its headers say nothing, and each is bytes on every answer. Vary says that they depend on it.
    if (req.headers.origin !== undefined) corsHeaders(req, res, next);
    else {
      res.setHeader('Vary', 'Origin');
      next();
    }
  });
  app.use(files.path, files.router);
  app.use(routeByContract(contract, inFlight));
  app.use(funnel);
  return app;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/; // an incoming id is echoed and logged only if it cannot forge a log line

/**
 * The request's id, and once it is over one log line and its metrics. A log line has the request id, method,
 * route template, operationId, status and latency: never headers (tokens), query strings (search text) or
 * bodies (task contents).
 */
function telemetry(logger: Logger, metrics: Metrics): (req: Request, res: Response) => void {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const context: RequestContext = { requestId: typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID() };
    res.locals.context = context;
    res.setHeader('X-Request-Id', context.requestId);
    const record = (status: number, clientLeft: boolean) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { operation: context.operationId ?? 'none', method: req.method, status: String(status) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      const failure = context.databaseFailure;
      if (failure) metrics.databaseErrors.inc({ kind: failure.kind });
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
  };
}

/**
 * The express side of the contract: OPTIONS is answered from the routes (204 and Allow), HEAD is routed as
 * GET (Node sends the headers and drops the body), and everything else goes through the checks in their
 * order to the operation's handler. The body is not read here: the checks read it, if at all.
 */
function routeByContract({ router, deps, dispatch }: Contract, inFlight: InFlight): RequestHandler {
  // openapi-backend copies and lower-cases the request's headers several times per request; it is given only
  // those the contract can use: the declared header parameters, the token, and the body's type.
  const contractHeaders = new Set(['authorization', 'content-type']);
  for (const operation of router.getOperations()) {
    for (const parameter of parametersOf(operation)) {
      if (parameter.in === 'header') contractHeaders.add(parameter.name.toLowerCase());
    }
  }
  return (req, res, next) => {
    // openapi-backend decodes path parameters with decodeURIComponent, which throws on malformed
    // percent-encoding (found by the contract fuzzer: /api/tasks/%ff was a 500).
    if (!isDecodable(req.path)) {
      next(new Problem(400, 'The path is not valid percent-encoded UTF-8.', { errors: [{ in: 'path', field: '', message: 'is not valid percent-encoded UTF-8' }] }));
      return;
    }
    if (req.method === 'OPTIONS') {
      const allow = allowedMethods(router, req.path);
      if (allow.length === 0) return next(problems.notFound(req.path));
      res.setHeader('Allow', allow.join(', '));
      res.status(204).end();
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const name of contractHeaders) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const request: ContractRequest = {
      method: req.method === 'HEAD' ? 'GET' : req.method,
      path: req.path,
      query: req.query as Record<string, string | string[]>,
      headers,
      body: undefined, // read by the checks, once the request may have it read
    };
    // Done when the handler is, even one the dispatcher stopped waiting for (its deadline passed).
    const handled = runChecks(req, res, request, deps)
      .then((checked) => dispatch(checked, req, res))
      .catch(next)
      .then(() => res.locals.context.abandoned);
    res.locals.context.handled = handled;
    inFlight.track(handled);
  };
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Operations still being handled, those whose clients have already left included: whatever they use (the
 * database pool above all) must stay open until they are done.
 */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves once nothing is being handled (work that starts meanwhile is waited for too). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
