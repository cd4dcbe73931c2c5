// The order of checks, as code. Every request meets CHECKS in the order listed, and runChecks runs them in
// that order: the first to refuse ends the request by throwing its Problem to the error funnel (none writes
// a response itself). The operation's handler then checks what only it can (IN_HANDLER). openapi.yaml's
// description says this order in words; test/pipeline/checks.unit.test.ts holds the two together.
import type { Request, Response } from 'express';
import type { OpenAPIBackend, Operation, ParsedRequest } from 'openapi-backend';
import { assertOwnPath, bearerAuth, metricsAuth } from '../auth/security.js';
import type { Principal } from '../auth/tokens.js';
import { MAX_FIELD_ERRORS, Problem, type FieldError } from '../contract/problem.js';
import { hasBody, oversizedBody, readJsonBody } from './body.js';
import type { RateLimiter } from './rate-limit.js';
import { allowedMethods } from './openapi-backend-router.js';
import { invalid, toFieldErrors } from './validation-errors.js';

/** What openapi-backend is given of a request; the body is filled in once the request may have it read. */
export interface ContractRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[]>;
  body: unknown;
}

/** A request's parts as the contract reads them. */
export type RequestParts = ParsedRequest<unknown, Record<string, unknown>, Record<string, unknown>, Record<string, string | string[] | undefined>>;

/** A request as the checks leave it: its operation, its parts as the contract reads them, and its caller. */
export interface Checked {
  operation: Operation;
  /** Params, query and body as validated: coerced, and with openapi.yaml's defaults filled in. */
  request: RequestParts;
  principal: Principal | undefined;
}

/** What a check sees: the exchange, and what the checks before it found. */
interface Seen extends Partial<Checked> {
  req: Request;
  res: Response;
  contract: ContractRequest;
}

export interface CheckDeps {
  api: OpenAPIBackend;
  limiter: RateLimiter | undefined;
  bearer: ReturnType<typeof bearerAuth>;
  metrics: ReturnType<typeof metricsAuth>;
}

type Check = (seen: Seen, deps: CheckDeps) => void | Promise<void>;

/** Each check, with the words openapi.yaml's description begins its step with. */
export const CHECKS: ReadonlyArray<{ says: string; check: Check }> = [
  { says: 'unknown route 404 / wrong method 405', check: route },
  { says: 'a declared body length over the limit 413', check: declaredLength },
  { says: 'the token', check: token },
  { says: 'the rate limit 429', check: rateLimit },
  { says: 'path user 403', check: pathUser },
  { says: 'request validation 400', check: validation },
];

/** What the operation's handler checks once the request has passed every check above. */
export const IN_HANDLER = ['existence 404', 'precondition 412'] as const;

export async function runChecks(req: Request, res: Response, contract: ContractRequest, deps: CheckDeps): Promise<Checked> {
  const seen: Seen = { req, res, contract };
  for (const { check } of CHECKS) {
    const pending = check(seen, deps);
    if (pending) await pending; // a check that is done at once costs no turn of the microtask queue
  }
  return { operation: seen.operation!, request: seen.request!, principal: seen.principal }; // set by route and validation
}

function route(seen: Seen, { api }: CheckDeps): void {
  const { contract, res } = seen;
  try {
    seen.operation = api.router.matchOperation(contract, true);
  } catch (error) {
    const { method, path } = api.router.parseRequest(contract);
    if (!String((error as Error).message).startsWith('405')) throw new Problem(404, `There is no ${method.toUpperCase()} ${path} in this API.`);
    const allowed = allowedMethods(api.router, path);
    throw new Problem(405, `${method.toUpperCase()} is not allowed on ${path}; it takes ${allowed.join(', ')}.`, { headers: { Allow: allowed.join(', ') } });
  }
  seen.request = api.router.parseRequest(contract, seen.operation);
  // Telemetry's log line and metrics name the operation from here on.
  res.locals.context.operationId = seen.operation.operationId;
  res.locals.context.route = seen.operation.path;
}

/** An operation that takes a body refuses a declared length over the limit at once; any other ignores a body, unread. */
function declaredLength({ operation, req }: Seen): void {
  const oversized = operation!.requestBody ? oversizedBody(req) : undefined;
  if (oversized) throw oversized;
}

/**
 * The scheme the operation requires, if any. A caller without a valid token counts against its address's
 * allowance before its 401, so that once that is used up failed attempts get 429 (openapi.yaml says so).
 */
async function token(seen: Seen, { limiter, bearer, metrics }: CheckDeps): Promise<void> {
  const requires = (scheme: string) => seen.operation!.security?.some((requirement) => scheme in requirement) === true;
  const authorization = seen.contract.headers.authorization;
  try {
    if (requires('bearerAuth')) seen.principal = await bearer(authorization);
    else if (requires('metricsAuth')) metrics(authorization);
  } catch (refusal) {
    await limiter?.check(seen.req, seen.res, 'anonymous');
    throw refusal;
  }
}

/**
 * A user's operation counts against the user's allowance (a search against its own too). Service routes are
 * counted by address, but for liveness and readiness, which a load balancer asks from one address
 * (openapi.yaml marks them x-rate-limited: false).
 */
function rateLimit({ req, res, operation, request, principal }: Seen, { limiter }: CheckDeps): void | Promise<void> {
  if (principal) return limiter?.check(req, res, { userId: principal.id }, { search: (request!.query as { q?: unknown }).q !== undefined });
  if ((operation as { 'x-rate-limited'?: boolean })['x-rate-limited'] !== false) return limiter?.check(req, res, 'anonymous');
}

function pathUser({ request, principal }: Seen): void {
  if (principal) assertOwnPath(principal, (request!.params as Partial<Record<string, string>>).user_id);
}

/**
 * The body is read here, if at all (413, 415, 400); then strings PostgreSQL cannot store and integers not
 * written in decimal are refused, and the request is validated against openapi.yaml (400).
 */
async function validation(seen: Seen, { api }: CheckDeps): Promise<void> {
  const { req, res, contract } = seen;
  const operation = seen.operation!;
  const body = operation.requestBody as { content: Record<string, unknown> } | undefined; // dereferenced by openapi-backend
  if (body && hasBody(req)) contract.body = await readJsonBody(req, res, Object.keys(body.content));
  const illFormed = [
    ...nonDecimalIntegers(operation, seen.request!),
    ...findIllFormedStrings(seen.request!.params, 'path', MAX_FIELD_ERRORS),
    ...findIllFormedStrings(seen.request!.query, 'query', MAX_FIELD_ERRORS),
    ...findIllFormedStrings(contract.body, 'body', MAX_FIELD_ERRORS),
  ];
  if (illFormed.length > 0) throw invalid(illFormed);
  const result = api.validator.validateRequest(contract, operation);
  if (result.errors) throw invalid(toFieldErrors(result.errors));
  // The parts as validation left them: params and query coerced, with openapi.yaml's defaults filled in
  // (openapi-backend's handleRequest parses the request a third time for that; the parts are already here).
  // validateRequest sets both whenever it coerces (openapi.ts turns coercion on) and the operation has a
  // validator of its parameters, which openapi-backend builds for every operation.
  const coerced = result.coerced as { params: Record<string, unknown>; query: Record<string, unknown> };
  seen.request = { ...seen.request!, params: coerced.params, query: coerced.query, requestBody: contract.body };
}

/** The parameters an operation declares, as openapi-backend gives them: dereferenced, typed by the library as any. */
export function parametersOf(operation: Operation): Array<{ name: string; in: string; schema?: { type?: unknown } }> {
  return (operation.parameters ?? []) as Array<{ name: string; in: string; schema?: { type?: unknown } }>;
}

/**
 * Ajv coerces a parameter with Number(), which also reads "1e3", "0x10" and " 7" as integers. An integer in a
 * URL is written in decimal digits; anything else is refused rather than silently resolved to some task.
 */
function nonDecimalIntegers(operation: Operation, request: RequestParts): FieldError[] {
  const errors: FieldError[] = [];
  for (const parameter of parametersOf(operation)) {
    if (parameter.schema?.type !== 'integer' || (parameter.in !== 'path' && parameter.in !== 'query')) continue;
    const values = (parameter.in === 'path' ? request.params : request.query);
    const raw = values[parameter.name];
    if (typeof raw === 'string' && !/^-?\d+$/.test(raw)) {
      errors.push({ in: parameter.in, field: `/${parameter.name}`, message: 'must be an integer written in decimal digits' });
    }
  }
  return errors;
}

/** Deeper than any body of this API: a value nested deeper is refused rather than walked. */
const MAX_DEPTH = 32;

/**
 * Finds strings PostgreSQL cannot store faithfully: U+0000 (text cannot hold it) and lone UTF-16 surrogates
 * (they would be silently replaced by U+FFFD, so two different inputs would become one value). Keys count too.
 * Stops after `max` findings and does not descend below MAX_DEPTH: a hostile 16 KiB body can nest thousands
 * of levels, each with a finding whose pointer is longer than the last.
 */
export function findIllFormedStrings(value: unknown, part: FieldError['in'], max = Infinity): FieldError[] {
  const found: FieldError[] = [];
  // Iterative, in document order.
  const stack: Array<{ value: unknown; pointer: string; depth: number; badName?: boolean }> = [{ value, pointer: '', depth: 0 }];
  while (stack.length > 0 && found.length < max) {
    const { value: current, pointer, depth, badName } = stack.pop()!;
    if (badName) found.push({ in: part, field: pointer, message: 'has a name with U+0000 or a lone UTF-16 surrogate' });
    if (typeof current === 'string') {
      if (current.includes('\u0000')) found.push({ in: part, field: pointer, message: 'must not contain U+0000' });
      else if (!current.isWellFormed()) found.push({ in: part, field: pointer, message: 'must not contain a lone UTF-16 surrogate' });
    } else if (current && typeof current === 'object') {
      if (depth === MAX_DEPTH) {
        found.push({ in: part, field: pointer, message: `is nested more than ${MAX_DEPTH} levels deep` });
        continue;
      }
      for (const [key, inner] of Object.entries(current).reverse()) {
        const child = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        stack.push({ value: inner, pointer: child, depth: depth + 1, badName: key.includes('\u0000') || !key.isWellFormed() });
      }
    }
  }
  return found.slice(0, max);
}
