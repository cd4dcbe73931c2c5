// openapi-backend over openapi.yaml: routes by operationId, validates every request, and dispatches to the
// typed handler table. strict mode fails at boot when an operation has no handler.
import { dereference } from '@apidevtools/json-schema-ref-parser';
import addFormats from 'ajv-formats';
import type { Request, RequestHandler, Response } from 'express';
import { OpenAPIBackend, type Context, type Document, type OpenAPIRouter } from 'openapi-backend';
import { bearerAuth } from '../auth/security.js';
import type { VerifyToken } from '../auth/tokens.js';
import type { InFlight } from '../http/in-flight.js';
import { Problem, problems } from '../http/problem.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { allowedMethods, createHooks, type ContractRequest, type Exchange } from './hooks.js';
import type { Spec } from '../contract/spec.js';
import type { AnyReply, HandlerContext, HandlerTable, OperationId } from './types.js';

export async function createOpenApi(
  spec: Spec,
  handlers: HandlerTable,
  verifyToken: VerifyToken,
  limiter: RateLimiter | undefined,
): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({
    // Dereferenced here (json-schema-ref-parser keeps the `default`s written beside $refs), so that quick mode
    // has nothing left to dereference: its own synchronous dereferencing drops those defaults.
    definition: await dereference<Document>(structuredClone(spec.document) as Document),
    strict: true,
    // Quick mode compiles validators on first use instead of all of them, responses included, at start-up
    // (~1 s); the request validators are compiled below, before the first request. It also skips the check of
    // the document against OpenAPI 3.0's meta-schema, which rejects 3.1 (`npm run lint:spec` checks it as 3.1).
    quick: true,
    coerceTypes: true,
    // verbose: errors carry their schema, so messages can use its description; useDefaults: the spec's
    // defaults (status, sort, a new task's fields) are applied by the validator, not restated in code.
    // validateSchema: false: openapi-backend makes an Ajv per operation, and each would compile JSON Schema's
    // meta-schema to check schemas that `npm run lint:spec` already checks (half of the start-up left).
    ajvOpts: { verbose: true, allErrors: true, useDefaults: true, validateSchema: false },
    customizeAjv: (ajv) => {
      addFormats.default(ajv);
      return ajv;
    },
  });
  api.registerSecurityHandler('bearerAuth', bearerAuth(verifyToken));
  api.register(createHooks(limiter));
  for (const [operationId, handler] of Object.entries(handlers) as Array<[OperationId, AnyHandler]>) {
    api.register(operationId, adapt(handler));
  }
  await api.init();
  precompileRouter(api.router);
  for (const operation of api.router.getOperations()) api.validator.getRequestValidatorsForOperation(operation.operationId!);
  return api;
}

/**
 * openapi-backend's router rebuilds its operation list (lodash chains over the whole document) and compiles a
 * RegExp per operation on every call, three times per request: a fifth of the API's CPU under load. The
 * document is fixed once initialized, so the list is built once and the path patterns compiled once. Matching
 * keeps the library's rules (routing tests cover them): an exact path first, then path templates, the most
 * specific first; no path → 404, no method on a matching path → 405. (The API root is '/': every
 * normalized path is under it.)
 */
function precompileRouter(router: OpenAPIRouter): void {
  const operations = router.getOperations();
  const byId = new Map(operations.map((operation) => [operation.operationId, operation]));
  const templates = operations
    .map((operation) => ({ operation, pattern: templatePattern(operation.path), specificity: operation.path.replace(/\{.*?\}/g, '').length }))
    .sort((a, b) => b.specificity - a.specificity); // stable: equally specific paths keep the document's order
  router.getOperations = () => operations;
  router.getOperation = (operationId) => byId.get(operationId);
  router.matchOperation = ((request: Parameters<OpenAPIRouter['matchOperation']>[0], strict?: boolean) => {
    const { path, method } = router.normalizeRequest(request);
    const fail = (message: string) => {
      if (strict) throw new Error(message);
      return undefined;
    };
    const relative = router.normalizePath(path);
    const exact = operations.find((operation) => operation.path === relative && operation.method === method);
    if (exact) return exact;
    const matching = templates.filter(({ pattern }) => pattern.test(relative));
    if (matching.length === 0) return fail('404-notFound: no route matches request');
    return matching.find(({ operation }) => operation.method === method)?.operation ?? fail('405-methodNotAllowed: this method is not registered for the route');
  }) as OpenAPIRouter['matchOperation'];
}

/** An OpenAPI path template as a RegExp: /tasks/{id} matches /tasks/ followed by one path segment. */
function templatePattern(template: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${template.split(/\{[^}]+\}/).map(literal).join('[^/]+')}$`);
}

/** The header parameters the operation declares, keyed by their names in openapi.yaml (HTTP lower-cases them). */
function declaredHeaders(c: Context): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  const received = c.request.headers as Record<string, string | string[] | undefined>;
  for (const parameter of (c.operation.parameters ?? []) as Array<{ in: string; name: string }>) {
    if (parameter.in !== 'header') continue;
    const value = received[parameter.name.toLowerCase()];
    headers[parameter.name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * The express side of openapi-backend: OPTIONS is answered from the routes (204 and Allow), HEAD is routed as
 * GET (Node sends the headers and drops the body), and everything else goes through routing, security and
 * validation to the operation handlers.
 */
export function routeByContract(api: OpenAPIBackend, inFlight: InFlight): RequestHandler {
  // openapi-backend copies and lower-cases the request's headers four times per request; it is given only
  // those the contract can use: the declared header parameters, the token, and the body's type.
  const contractHeaders = new Set(['authorization', 'content-type']);
  for (const operation of api.router.getOperations()) {
    for (const parameter of (operation.parameters ?? []) as Array<{ in: string; name: string }>) {
      if (parameter.in === 'header') contractHeaders.add(parameter.name.toLowerCase());
    }
  }
  const headersOf = (req: Request) => {
    const headers: Record<string, string | string[]> = {};
    for (const name of contractHeaders) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  };

  return (req, res, next) => {
    // openapi-backend decodes path parameters with decodeURIComponent, which throws on malformed
    // percent-encoding (found by the contract fuzzer: /api/tasks/%ff was a 500).
    if (!isDecodable(req.path)) {
      next(new Problem(400, 'The path is not valid percent-encoded UTF-8.', { errors: [{ in: 'path', field: '', message: 'is not valid percent-encoded UTF-8' }] }));
      return;
    }
    if (req.method === 'OPTIONS') {
      const allow = allowedMethods(api.router, req.path);
      if (allow.length === 0) {
        next(problems.notFound(req.path));
        return;
      }
      res.setHeader('Allow', allow.join(', '));
      res.status(204).end();
      return;
    }
    const request: ContractRequest = {
      method: req.method === 'HEAD' ? 'GET' : req.method,
      path: req.path,
      query: req.query as Record<string, string | string[]>,
      headers: headersOf(req),
      body: undefined, // read by the postSecurityHandler hook, once the request may have it read
    };
    const exchange: Exchange = { req, res, request };
    const handled = api.handleRequest(request, exchange).catch(next);
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

type AnyHandler = (c: HandlerContext<OperationId>) => Promise<AnyReply> | AnyReply;

function adapt(handler: AnyHandler) {
  return async (c: Context, { req, res }: Exchange): Promise<void> => {
    // openapi-backend re-parses path params from the URL (as strings) after validating; the coerced, typed
    // values are kept on the validation result.
    const params: unknown = (c.validation?.coerced as { params?: unknown } | undefined)?.params ?? c.request.params;
    const reply = await handler({
      params: params as never,
      query: c.request.query as never,
      headers: declaredHeaders(c),
      body: c.request.requestBody as never,
      path: canonicalPath(c.operation.path, params as Record<string, unknown>),
      rawQuery: queryOf(req.originalUrl),
      principal: c.security?.bearerAuth as never,
    });
    res.locals.context.outcome = reply.status;
    res.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (reply.body === undefined) res.end();
    else if (reply.contentType) res.type(reply.contentType).send(reply.body);
    else sendJson(res, reply.body);
  };
}

/** The operation's path template with its parameters filled in: /api/tasks// is written /api/tasks. */
function canonicalPath(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
}

/** Everything after the first `?` (a value may hold a literal `?`). */
function queryOf(url: string): string {
  const start = url.indexOf('?');
  return start < 0 ? '' : url.slice(start + 1);
}

/**
 * What express's res.json would send here, without its per-call work: it looks up three app settings, and
 * res.send checks freshness against If-None-Match, which the get handler has already answered.
 */
function sendJson(res: Response, body: unknown): void {
  const json = JSON.stringify(body);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
