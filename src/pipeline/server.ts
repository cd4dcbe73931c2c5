// The HTTP server for an app: every error, even one Node's parser raises, is a problem; a connection is kept
// alive only when it can safely carry another request; and closing drains instead of cutting requests off.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import onHeaders from 'on-headers';
import { BODY_LIMIT_BYTES } from './body.js';
import { answerClientErrors } from './errors.js';
import { expressBuilt } from './express-prototypes.js';

export interface ServerTimeouts {
  /** Time to send the request headers. */
  headersMs: number;
  /** Time to send the whole request, body included. */
  requestMs: number;
  /** Time the service has to answer a request once it has read it: a 503 when the database takes longer. */
  answerMs: number;
}

// Node allows 60 s and 300 s, so slow senders could hold connections open; its parser answers them 408 (as a
// problem). Node checks these deadlines periodically, so the check runs every second rather than every 30.
// The answer's deadline covers what the database bounds do not: several statements in a row, each in time.
export const SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, answerMs: 5_000 };

/** How often Node checks those deadlines (the comment above says why every second). */
export const TIMEOUTS_CHECKED_EVERY_MS = 1000;

export interface HttpServer {
  readonly server: Server;
  readonly port: number;
  /**
   * Stops accepting connections; requests already received are answered, with `Connection: close`, and
   * idle connections are closed. Resolves once every connection is gone.
   */
  close(): Promise<void>;
}

export function listen(app: Express, port: number, host?: string, timeouts = SERVER_TIMEOUTS): Promise<HttpServer> {
  let draining = false;
  const answering = new Set<ServerResponse>();
  const closeIdleWhenDone = (res: ServerResponse) => res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  // The connection is not reused when the rest of a body that was not read (the request was refused, or the
  // body cut off) could be large, or while draining. Only a request that declares a large or chunked body can
  // leave such a rest, so only its head is looked at as it is written; for any other, draining (here, or
  // in close()) says it at once, and nothing after sets Connection (test/process/shutdown.test.ts holds it).
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    answering.add(res);
    res.once('close', () => answering.delete(res));
    if (mayCarryLargeBody(req)) {
      onHeaders(res, () => {
        if (draining || !req.complete) res.setHeader('Connection', 'close');
      });
    }
    if (draining) {
      res.setHeader('Connection', 'close');
      closeIdleWhenDone(res);
    }
    app(req, res);
  };
  const server = createServer(
    { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: TIMEOUTS_CHECKED_EVERY_MS, ...expressBuilt(app) },
    handle,
  );
  // Without this listener Node answers `Expect: 100-continue` itself, inviting a body before the request has
  // been checked; the body reader sends 100 Continue when it is about to read.
  server.on('checkContinue', handle);
  answerClientErrors(server);

  const closed = new Promise<void>((resolve) => server.once('close', resolve));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close() {
          if (!draining) {
            draining = true;
            server.close();
            server.closeIdleConnections();
            // A response whose headers went out before draining began leaves its connection idle once done;
            // any other closes its connection.
            for (const res of answering) {
              if (res.headersSent) closeIdleWhenDone(res);
              else res.setHeader('Connection', 'close');
            }
          }
          return closed;
        },
      });
    });
  });
}

/**
 * Whether the request declares a body that could be more than the limit (chunked, or a larger length): were
 * it left unread, Node would read and discard the rest before the connection's next request, which is
 * harmless for a declared small one, and endless otherwise.
 */
function mayCarryLargeBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES;
}
