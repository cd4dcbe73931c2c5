// From a checked request to its typed handler (a user's counted against the user's limit of requests at
// once: limits.ts), and from the handler's reply to the response: the one place a successful answer is
// written. JSON is written by a function fast-json-stringify compiles once from the response's schema in
// openapi.yaml (as fastify does): the keys and their order are known beforehand, so no generic walk over
// every key of every row.
import type { Request, Response } from 'express';
import fastJson from 'fast-json-stringify';
import type { Operation } from 'openapi-backend';
import { problems } from '../contract/problem.js';
import { parametersOf, type Checked } from './checks.js';
import type { RequestContext } from './context.js';
import { OPEN_OPERATIONS, type AnyReply, type HandlerContext, type HandlerTable, type OpenOperationId, type OperationId, type UserOperationId } from './handler.js';
import type { UserCosts } from './limits.js';

// A method's type, compared bivariantly, so that one operation's handler is one of its group's.
type Handles<K extends OperationId> = { handle(c: HandlerContext<K>): Promise<AnyReply> | AnyReply }['handle'];
/** A user's operation's handler takes the user; an open one's takes none: the compiler keeps them apart. */
type Entry = { user: true; handle: Handles<UserOperationId> } | { user: false; handle: Handles<OpenOperationId> };

const isOpen = (id: string): id is OpenOperationId => (OPEN_OPERATIONS as readonly string[]).includes(id);

/** The header parameters the operation declares, keyed by their names in openapi.yaml (HTTP lower-cases them). */
function declaredHeaders(operation: Operation, received: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const parameter of parametersOf(operation)) {
    if (parameter.in !== 'header') continue;
    const value = received[parameter.name.toLowerCase()];
    headers[parameter.name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * The dispatcher of every operation. It refuses to start when OPEN_OPERATIONS and openapi.yaml disagree on
 * which operations require a user's token, so that a handler typed to have a user always gets one.
 */
export function dispatcher(operations: readonly Operation[], handlers: HandlerTable, { answerMs, costs }: { answerMs: number; costs: UserCosts }) {
  const entries = new Map<string, Entry>();
  for (const operation of operations) {
    const id = operation.operationId!;
    const user = (operation.security ?? []).some((requirement) => 'bearerAuth' in requirement);
    if (user === isOpen(id)) throw new Error(`${id}: OPEN_OPERATIONS (src/pipeline/handler.ts) and openapi.yaml's security disagree`);
    entries.set(id, isOpen(id) ? { user: false, handle: handlers[id] } : { user: true, handle: handlers[id as UserOperationId] });
  }
  return async ({ operation, request, principal }: Checked, req: Request, res: Response): Promise<void> => {
    const entry = entries.get(operation.operationId!)!;
    const c = {
      params: request.params as never,
      query: request.query as never,
      headers: declaredHeaders(operation, request.headers) as never,
      body: request.requestBody as never,
      path: canonicalPath(operation.path, request.params),
      rawQuery: queryOf(req.originalUrl),
      onClose: (listener: () => void) => (res.closed ? listener() : void res.once('close', listener)),
      // In c from the start, so that the copies below replace a key rather than add one: V8 builds a spread
      // followed by a new key far more slowly (docs/explanation/performance.md).
      principal,
    };
    let work: Promise<AnyReply> | AnyReply;
    if (!entry.user) work = entry.handle({ ...c, principal: undefined });
    else if (principal) work = costs.request(principal.id, async () => entry.handle({ ...c, principal }));
    else throw problems.internal(); // unreachable: the token check refuses a user's operation without a user
    const reply = await withinDeadline(answerMs, res.locals.context, work);
    res.locals.context.outcome = reply.status;
    if (reply.stream) return reply.stream(res); // an event stream writes its own response, for as long as it lasts
    res.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (reply.body === undefined) res.end();
    else if (reply.contentType) res.type(reply.contentType).send(reply.body);
    else sendJson(res, jsonWriter(operation, reply.status)(reply.body));
  };
}

/**
 * The handler's reply, or a 503 once `ms` have passed. The database bounds each statement and connection;
 * this bounds a request whatever its statements do together. The handler goes on (a write may still
 * commit, which a retry with its Idempotency-Key finds), and shutdown still waits for it.
 */
function withinDeadline(ms: number, context: RequestContext, work: Promise<AnyReply> | AnyReply): Promise<AnyReply> {
  if (!(work instanceof Promise)) return Promise.resolve(work);
  // One promise of ours and one timer a request (a race of two promises, then a finally, made four).
  return new Promise<AnyReply>((resolve, reject) => {
    const timer = setTimeout(() => {
      context.abandoned = work.then(() => undefined, () => undefined);
      const cause = Object.assign(new Error(`no answer within ${ms} ms`), { code: 'NO_ANSWER_IN_TIME' });
      reject(problems.unavailable('The database did not answer in time; try again shortly.', cause));
    }, ms);
    work.then(
      (reply) => {
        clearTimeout(timer);
        resolve(reply);
      },
      (error: Error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Each template split once: its literal parts, with the parameters' names between them. */
const templates = new Map<string, { literals: string[]; names: string[] }>();

/** The operation's path template with its parameters filled in: /api/tasks// is written /api/tasks. */
function canonicalPath(template: string, params: Record<string, unknown>): string {
  let split = templates.get(template);
  if (!split) {
    const pieces = template.split(/\{([^}]+)\}/); // literal, name, literal, …, literal
    templates.set(template, (split = { literals: pieces.filter((_, i) => i % 2 === 0), names: pieces.filter((_, i) => i % 2 === 1) }));
  }
  let path = split.literals[0]!;
  for (let i = 0; i < split.names.length; i++) path += encodeURIComponent(String(params[split.names[i]!])) + split.literals[i + 1]!;
  return path;
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
function sendJson(res: Response, json: string): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

type Write = (body: unknown) => string;
const writers = new WeakMap<Operation, Map<number, Write>>();

/** The writer of `operation`'s `status` response, compiled on first use from its schema (JSON.stringify without one). */
export function jsonWriter(operation: Operation, status: number): Write {
  let byStatus = writers.get(operation);
  if (!byStatus) writers.set(operation, (byStatus = new Map<number, Write>()));
  let write = byStatus.get(status);
  if (!write) {
    const response = operation.responses?.[status] as { content?: Record<string, { schema?: object }> } | undefined;
    const schema = response?.content?.['application/json']?.schema;
    byStatus.set(status, (write = schema ? fastJson(schema) : (body) => JSON.stringify(body)));
  }
  return write;
}
