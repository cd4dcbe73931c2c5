// The express app a request passes through, in this order: telemetry (its id, its log line, its metrics),
// the headers every answer starts with, CORS, the docs pages' files, the contract (routing, the checks,
// the operation's handler: route.ts), and the error funnel. It is handed what it chains (src/service.ts
// builds each); no listen, no environment.
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { InFlight } from './in-flight.js';
import type { Contract } from './openapi.js';
import { routeByContract } from './route.js';
import { securityHeaders } from './security-headers.js';

export interface AppParts {
  telemetry: RequestHandler;
  corsOrigins: readonly string[];
  /** Files served as they are under `path` (the docs pages'), so that no other request walks their router. */
  files: { path: string; router: RequestHandler };
  contract: Contract;
  /** Tracks the operations being handled, so that shutdown can wait for them. */
  inFlight: InFlight;
  funnel: ErrorRequestHandler;
}

export function expressApp({ telemetry, corsOrigins, files, contract, inFlight, funnel }: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(telemetry);
  app.use(securityHeaders());
  app.use(
    cors({
      origin: [...corsOrigins],
      // Every header the typed client sends: Last-Event-ID is not CORS-safelisted, and without it here a
      // browser on another origin could never resume a dropped event stream.
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'Last-Event-ID', 'X-Request-Id'],
      exposedHeaders: ['ETag', 'Link', 'Location', 'Retry-After', 'WWW-Authenticate', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id'],
      maxAge: 600,
      preflightContinue: true, // routeByContract answers OPTIONS, with Allow
    }),
  );
  app.use(files.path, files.router);
  app.use(routeByContract(contract, inFlight));
  app.use(funnel);
  return app;
}
