// From openapi-backend's context to a typed handler, and from the handler's reply to the response: the one
// place a successful answer is written.
import type { Response } from 'express';
import type { Context } from 'openapi-backend';
import type { RequestContext } from './context.js';
import { problems } from '../contract/problem.js';
import type { Exchange } from './checks.js';
import { responseJson } from './response-json.js';
import type { AnyReply, HandlerContext, OperationId } from './handler.js';

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


export type AnyHandler = (c: HandlerContext<OperationId>) => Promise<AnyReply> | AnyReply;

export function dispatchTo(handler: AnyHandler, answerMs: number) {
  return async (c: Context, { req, res }: Exchange): Promise<void> => {
    // openapi-backend re-parses path params from the URL (as strings) after validating; the coerced, typed
    // values are kept on the validation result.
    const params: unknown = (c.validation?.coerced as { params?: unknown } | undefined)?.params ?? c.request.params;
    const reply = await withinDeadline(answerMs, res.locals.context, handler({
      params: params as never,
      query: c.request.query as never,
      headers: declaredHeaders(c),
      body: c.request.requestBody as never,
      path: canonicalPath(c.operation.path, params as Record<string, unknown>),
      rawQuery: queryOf(req.originalUrl),
      principal: c.security?.bearerAuth as never,
      onClose: (listener) => (res.closed ? listener() : void res.once('close', listener)),
    }));
    res.locals.context.outcome = reply.status;
    if (reply.stream) return reply.stream(res); // an event stream writes its own response, for as long as it lasts
    res.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (reply.body === undefined) res.end();
    else if (reply.contentType) res.type(reply.contentType).send(reply.body);
    else sendJson(res, responseJson(c.operation, reply.status, reply.body));
  };
}

/**
 * The handler's reply, or a 503 once `ms` have passed. The database bounds each statement and connection;
 * this bounds a request whatever its statements do together. The handler goes on (a write may still
 * commit, which a retry with its Idempotency-Key finds), and shutdown still waits for it.
 */
function withinDeadline(ms: number, context: RequestContext, work: Promise<AnyReply> | AnyReply): Promise<AnyReply> {
  if (!(work instanceof Promise)) return Promise.resolve(work);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      context.abandoned = work.then(() => undefined, () => undefined);
      const cause = Object.assign(new Error(`no answer within ${ms} ms`), { code: 'NO_ANSWER_IN_TIME' });
      reject(problems.unavailable('The database did not answer in time; try again shortly.', cause));
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
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
function sendJson(res: Response, json: string): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
