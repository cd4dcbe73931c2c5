// Starts the HTTP server for an app: every error, even one Node's parser raises, is a problem.
import { createServer, type RequestListener, type Server } from 'node:http';
import { answerClientErrors } from './errors.js';

// A client gets 10 s to send its headers and 30 s for the whole request (Node allows 60 s and 300 s), so
// slow senders cannot hold connections open; Node's parser answers them 408, as a problem.
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export function listen(app: RequestListener, port: number, host?: string): Promise<Server> {
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, app);
  answerClientErrors(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
