// The one error funnel: every error response of the service is written by `errorFunnel`.
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { describeDatabaseFailure, isDatabaseError, isDatabaseUnavailable, isStatementCancelled, loggableError } from '../db/errors.js';
import type { DatabaseHealth } from '../db/health.js';
import { Problem, problems } from '../contract/problem.js';
import { statusTitle } from '../contract/status-titles.js';

/** Turns anything thrown into the Problem a client should see; unknown errors become a bare 500. */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (isStatementCancelled(error)) return problems.statementCancelled();
  if (isDatabaseUnavailable(error)) return problems.unavailable();
  // express's own client errors (http-errors, e.g. a malformed path to the docs assets) say they may be shown.
  const { status, expose, message } = (error ?? {}) as { status?: unknown; expose?: unknown; message?: unknown };
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500 && typeof message === 'string') {
    return new Problem(status, message);
  }
  return problems.internal();
}

export function errorFunnel(logger: Logger, health: DatabaseHealth): ErrorRequestHandler {
  return (error, req, res, next) => {
    const problem = toProblem(error);
    const context = res.locals.context;
    if (isStatementCancelled(error)) {
      context.databaseFailure = { kind: 'timeout', reason: describeDatabaseFailure(error) };
    } else if (isDatabaseUnavailable(error)) {
      const reason = describeDatabaseFailure(error instanceof Problem ? error.cause : error);
      context.databaseFailure = { kind: 'unavailable', reason };
      health.unavailable(reason);
    } else if (isDatabaseError(error)) {
      context.databaseFailure = { kind: 'query', reason: String((error as { code: string }).code) };
    }
    // Only a bug is logged with its stack; the request's own log line says what any other failure was.
    if (problem.status === 500) {
      logger.error({ err: loggableError(error), reqId: context.requestId, method: req.method, route: context.route ?? null }, 'request failed');
    }
    context.outcome = problem.status;
    if (res.headersSent) {
      next(error);
      return;
    }
    res.status(problem.status);
    res.statusMessage = statusTitle(problem.status); // the status line says what the title does
    for (const [name, value] of Object.entries(problem.options.headers ?? {})) res.setHeader(name, value);
    const body = { ...problem.body(req.originalUrl.split('?')[0] ?? '/'), request_id: context.requestId };
    res.type('application/problem+json').send(JSON.stringify(body));
  };
}

/**
 * Requests Node's HTTP parser refuses before express sees them (headers over the limit, malformed HTTP)
 * get a problem too, instead of Node's bare status line.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const problem =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new Problem(431, 'The request headers are larger than this server accepts.')
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new Problem(408, 'The request took too long to arrive.')
          : new Problem(400, 'The request is not valid HTTP.');
    const body = JSON.stringify(problem.body());
    socket.end(
      `HTTP/1.1 ${problem.status} ${statusTitle(problem.status)}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
