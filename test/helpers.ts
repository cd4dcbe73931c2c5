// Shared test plumbing: an app on a real PostgreSQL over real HTTP (port 0), tokens, and fresh users.
import type { Knex } from 'knex';
import { pino, type Logger } from 'pino';
import { type AuthConfig, type Config } from '../src/config/index.js';
import { testDatabaseUrl } from './support/settings.js';
import { createDb } from '../src/db/knex.js';
import type { ServerTimeouts } from '../src/pipeline/server.js';
import { SYNC_SETTINGS, type SyncSettings } from '../src/config/index.js';
import { startService } from '../src/service.js';
import { TEST_METRICS_TOKEN, TEST_SECRET } from './support/tokens.js';

export { newUser, newUserId, signToken, TEST_METRICS_TOKEN, TEST_SECRET } from './support/tokens.js';


export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON (including problem+json), otherwise undefined. */
  body: any;
}

export interface RequestOptions {
  token?: string;
  /** A value to send as JSON, or a string to send as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TestApp {
  baseUrl: string;
  port: number;
  db: Knex;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
  /** Closes as the process does on SIGTERM: what is open is drained (event streams get their retry hint). */
  drain(): Promise<void>;
}

/** An event stream never ends by itself: its opening (up to its `ready` event), and then it is let go. */
async function streamOpening(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 5000;
  while (!/event: ready\n(?:.*\n)*?\n/.test(text) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

export async function startTestApp(
  options: {
    databaseUrl?: string;
    /** Connections in the pool (10 by default); one makes every request share a connection's named statements. */
    poolMax?: number;
    auth?: Partial<AuthConfig>;
    rateLimit?: Partial<Config['rateLimit']>;
    logger?: Logger;
    timeouts?: ServerTimeouts;
    sync?: Partial<SyncSettings>;
    /** The scraper's token for /metrics: TEST_METRICS_TOKEN unless given (undefined: not served). */
    metricsToken?: string;
    /** Browser origins allowed by CORS (the default's only). */
    corsOrigins?: string[];
    /** A fixed port, e.g. to start the API again where a browser is connected (0, a free one, by default). */
    port?: number;
  } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? testDatabaseUrl();
  if (!databaseUrl) throw new Error('No test database: run the suite with `npm test`, which provides one.');
  // knex's own warnings go to the app's log, as in the server process (src/process/log.ts).
  const logger = options.logger ?? pino({ level: 'silent' });
  const db = createDb(databaseUrl, { poolMax: options.poolMax, log: { warn: (message) => logger.warn(message) } });
  const auth: AuthConfig = { secret: TEST_SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined, ...options.auth };
  // Rate limiting is off unless a test asks: the suite sends many requests from one address.
  const rateLimit = { enabled: false, perMinute: 60, searchesPerMinute: 60, rowsPerMinute: 20_000, concurrentPerUser: 6, redisUrl: undefined, ...options.rateLimit };
  const service = await startService({
    config: {
      port: options.port ?? 0,
      corsOrigins: options.corsOrigins ?? ['http://localhost:3000'],
      auth,
      rateLimit,
      metricsToken: 'metricsToken' in options ? options.metricsToken : TEST_METRICS_TOKEN,
      sync: { ...SYNC_SETTINGS, ...options.sync },
    },
    db,
    logger,
    host: '127.0.0.1',
    timeouts: options.timeouts,
  });
  const baseUrl = `http://127.0.0.1:${service.port}`;

  return {
    baseUrl,
    port: service.port,
    db,
    async request(method, path, { token, body, headers = {} } = {}) {
      const sendsJson = body !== undefined && typeof body !== 'string';
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(sendsJson ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : sendsJson ? JSON.stringify(body) : body,
      });
      const text = /event-stream/.test(response.headers.get('content-type') ?? '') ? await streamOpening(response) : await response.text();
      const isJson = /json/.test(response.headers.get('content-type') ?? '');
      return { status: response.status, headers: response.headers, text, body: isJson && text ? JSON.parse(text) : undefined };
    },
    async close() {
      service.server.closeAllConnections(); // a test's leftover connections need no draining
      await service.close();
      await db.destroy();
    },
    async drain() {
      await service.close();
      await db.destroy();
    },
  };
}
