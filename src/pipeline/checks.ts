// openapi-backend's lifecycle hooks. Each one ends a request by throwing a Problem to the error funnel; none
// writes a response itself. Together they fix the contract's order of checks: route 404/405 → a declared
// body over the limit 413 → the token → rate limit 429 → path user 403 → the body is read (413, 415, 400)
// → validation 400 → handler. A caller without a valid token counts against its address's allowance before
// its 401, so that once that is used up failed attempts get 429 (openapi.yaml says so).
import type { Request, Response } from 'express';
import type { Context, OpenAPIRouter } from 'openapi-backend';
import type { Principal } from '../auth/tokens.js';
import { findIllFormedStrings, hasBody, oversizedBody, readJsonBody } from './body.js';
import { MAX_FIELD_ERRORS, Problem, type FieldError } from '../contract/problem.js';
import type { RateLimiter } from './rate-limit.js';
import { toFieldErrors } from './validation-errors.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** What openapi-backend is given of a request; the body is filled in once the request may have it read. */
export interface ContractRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[]>;
  body: unknown;
}

/** The express request and response, and the contract's view of the request: every hook and handler gets it. */
export interface Exchange {
  req: Request;
  res: Response;
  request: ContractRequest;
}

/** The methods a path takes (RFC 9110 Allow): what the contract routes, plus HEAD wherever GET is, and OPTIONS. */
export function allowedMethods(router: OpenAPIRouter, path: string): string[] {
  const routed = METHODS.filter((method) => router.matchOperation({ method, path, headers: {}, query: {} }) !== undefined);
  if (routed.length === 0) return [];
  return [...routed.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()])), 'OPTIONS'];
}

export function createHooks(limiter: RateLimiter | undefined) {
  return {
    /**
     * Tells telemetry which operation this is, for logs and metrics. An operation that takes a body refuses
     * a declared length over the limit here, before anything else; any other ignores a body, unread.
     */
    postRoutingHandler(c: Context, { req, res }: Exchange): void {
      if (!c.operation) return;
      const { context } = res.locals;
      context.operationId = c.operation.operationId;
      context.route = c.operation.path;
      const oversized = c.operation.requestBody ? oversizedBody(req) : undefined;
      if (oversized) throw oversized;
    },

    notFound(c: Context): never {
      throw new Problem(404, `There is no ${c.request.method.toUpperCase()} ${c.request.path} in this API.`);
    },

    methodNotAllowed(c: Context): never {
      const allowed = allowedMethods(c.api.router, c.request.path);
      throw new Problem(405, `${c.request.method.toUpperCase()} is not allowed on ${c.request.path}; it takes ${allowed.join(', ')}.`, {
        headers: { Allow: allowed.join(', ') },
      });
    },

    async unauthorizedHandler(c: Context, { req, res }: Exchange): Promise<never> {
      await limiter?.check(req, res, 'anonymous');
      const results = (c.security ?? {}) as Record<string, { error?: unknown } | undefined>;
      const failure = results.bearerAuth?.error ?? results.metricsAuth?.error;
      if (failure instanceof Error) throw failure; // the Problem bearerAuth threw, or a bug (→ 500)
      throw new Problem(401, 'A bearer token is required.', { headers: { 'WWW-Authenticate': 'Bearer realm="tasks"' } });
    },

    /** Runs after authentication and before schema validation: the body is read here, if at all. */
    async postSecurityHandler(c: Context, { req, res, request }: Exchange): Promise<void> {
      if ((c.operation.security ?? []).length > 0 && !c.security?.authorized) return; // unauthorizedHandler answers 401
      // A user's operation (bearerAuth), or a service route (open, or the scraper's /metrics).
      const principal = c.security?.bearerAuth as Principal | undefined;
      if (principal) await limiter?.check(req, res, { userId: principal.id }, { search: (c.request.query as { q?: unknown }).q !== undefined });
      // Service routes are counted by address too, but for liveness and readiness, which a load balancer
      // asks from one address (openapi.yaml marks them x-rate-limited: false).
      else if ((c.operation as { 'x-rate-limited'?: boolean })['x-rate-limited'] !== false) await limiter?.check(req, res, 'anonymous');
      const pathUser = (c.request.params as Partial<Record<string, string>>).user_id;
      if (principal && pathUser !== undefined && pathUser !== principal.id) {
        throw new Problem(403, 'This path belongs to another user: use your own user id, or /api/tasks.');
      }
      const body = c.operation.requestBody as { content: Record<string, unknown> } | undefined; // dereferenced by openapi-backend
      if (body && hasBody(req)) request.body = await readJsonBody(req, res, Object.keys(body.content));
      const illFormed = [
        ...nonDecimalIntegers(c),
        ...findIllFormedStrings(c.request.params, 'path', MAX_FIELD_ERRORS),
        ...findIllFormedStrings(c.request.query, 'query', MAX_FIELD_ERRORS),
        ...findIllFormedStrings(request.body, 'body', MAX_FIELD_ERRORS),
      ];
      if (illFormed.length > 0) throw invalid(illFormed);
    },

    validationFail(c: Context): never {
      throw invalid(toFieldErrors(c.validation.errors ?? []));
    },
  };
}

/**
 * Ajv coerces a parameter with Number(), which also reads "1e3", "0x10" and " 7" as integers. An integer in a
 * URL is written in decimal digits; anything else is refused rather than silently resolved to some task.
 */
function nonDecimalIntegers(c: Context): FieldError[] {
  const errors: FieldError[] = [];
  for (const parameter of (c.operation.parameters ?? []) as Array<{ name: string; in: string; schema?: { type?: unknown } }>) {
    if (parameter.schema?.type !== 'integer' || (parameter.in !== 'path' && parameter.in !== 'query')) continue;
    const values = (parameter.in === 'path' ? c.request.params : c.request.query) as Record<string, unknown>;
    const raw = values[parameter.name];
    if (typeof raw === 'string' && !/^-?\d+$/.test(raw)) {
      errors.push({ in: parameter.in, field: `/${parameter.name}`, message: 'must be an integer written in decimal digits' });
    }
  }
  return errors;
}

function invalid(errors: FieldError[]): Problem {
  const [first] = errors;
  const where = first ? `${first.in}${first.field ? ` ${first.field}` : ''} ${first.message}` : 'it does not match the contract';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new Problem(400, `The request is invalid: ${where}${more}.`, { errors });
}
