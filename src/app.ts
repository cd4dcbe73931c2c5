// Composition root: builds the express app from its dependencies. No listen, no environment.
import cors from 'cors';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createHandlers } from './api/handlers.js';
import { createCursorCodec } from './api/cursor.js';
import { createOpenApi } from './api/openapi.js';
import { loadSpec, type Spec } from './api/spec.js';
import type { VerifyToken } from './auth/tokens.js';
import type { Config } from './config.js';
import { createTaskRepository } from './db/tasks.js';
import { jsonBody } from './http/body.js';
import { docsAssets } from './http/docs.js';
import { errorFunnel } from './http/errors.js';

export interface AppDeps {
  config: Pick<Config, 'corsOrigins' | 'auth'>;
  db: Knex;
  logger: Logger;
  verifyToken: VerifyToken;
  spec?: Spec;
}

export async function createApp(deps: AppDeps): Promise<Express> {
  const spec = deps.spec ?? loadSpec();
  const handlers = createHandlers({
    tasks: createTaskRepository(deps.db),
    db: deps.db,
    spec,
    cursors: createCursorCodec(deps.config.auth.secret),
  });
  const api = await createOpenApi(spec, handlers, deps.verifyToken);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(
    cors({
      origin: [...deps.config.corsOrigins],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['Location', 'Retry-After', 'WWW-Authenticate'],
      maxAge: 600,
    }),
  );
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(docsAssets());
  app.use(jsonBody());
  app.use((req, res, next) => {
    const request = { method: req.method, path: req.path, query: req.query as Record<string, string>, headers: req.headers as Record<string, string>, body: req.body as unknown };
    api.handleRequest(request, req, res).catch(next);
  });
  app.use(errorFunnel(deps.logger));
  return app;
}
