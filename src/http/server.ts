// Starts the HTTP server for an app: every error, even one Node's parser raises, is a problem.
import { createServer, type RequestListener, type Server } from 'node:http';
import { answerClientErrors } from './errors.js';

export function listen(app: RequestListener, port: number, host?: string): Promise<Server> {
  const server = createServer(app);
  answerClientErrors(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
