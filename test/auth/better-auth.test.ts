// A real Better Auth server (its JWT plugin with defaults: EdDSA keys kept in its own PostgreSQL database),
// served over HTTP, issuing the tokens our API verifies against its JWKS, through the generated client.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { jwt } from 'better-auth/plugins';
import { decodeProtectedHeader } from 'jose';
import type { Knex } from 'knex';
import pg from 'pg';
import { createTasksClient, TasksApiError } from '../../packages/client/src/index.js';
import { testDatabaseUrl } from '../support/settings.js';
import { until } from '../support/until.js';
import { createDb } from '../../src/db/knex.js';
import { newUserId, startTestApp, type TestApp } from '../helpers.js';

const ROTATION_SECONDS = 2;

interface AuthServer {
  baseUrl: string;
  signUp(email: string): Promise<{ userId: string; cookie: string }>;
  token(cookie: string): Promise<string>;
  close(): Promise<void>;
}

/** A Better Auth server on its own database, listening on a free port. */
async function startBetterAuth(admin: Knex, databases: string[]): Promise<AuthServer> {
  const name = `better_auth_${randomBytes(4).toString('hex')}`;
  await admin.raw(`create database ${name}`);
  databases.push(name);
  const url = new URL(testDatabaseUrl()!);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.href });
  // The teardown drops this database with (force), which kills any connection Better Auth still holds (seen
  // once, under a loaded CI run): that termination is expected, and must not become an uncaught exception.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));

  let handler: RequestListener = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = betterAuth({
    baseURL: baseUrl,
    secret: randomBytes(32).toString('base64url'),
    database: pool,
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    // The JWT plugin with its defaults, but for a short rotation interval so the test sees a new key.
    plugins: [jwt({ jwks: { rotationInterval: ROTATION_SECONDS } })],
  });
  await (await getMigrations(auth.options)).runMigrations();
  const nodeHandler = toNodeHandler(auth);
  handler = (req, res) => void nodeHandler(req, res);

  return {
    baseUrl,
    async signUp(email) {
      const res = await fetch(`${baseUrl}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct horse battery staple', name: 'Ada Lovelace' }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as { user: { id: string } };
      const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      return { userId: body.user.id, cookie };
    },
    async token(cookie) {
      const res = await fetch(`${baseUrl}/api/auth/token`, { headers: { cookie } });
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { token: string }).token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}

describe('tokens from a real Better Auth server', () => {
  let admin: Knex;
  const databases: string[] = [];
  let issuer: AuthServer;
  let stranger: AuthServer;
  let app: TestApp;

  before(async () => {
    admin = createDb(testDatabaseUrl()!, { bounds: false });
    issuer = await startBetterAuth(admin, databases);
    stranger = await startBetterAuth(admin, databases);
    // Configured as docs/tutorial/nextjs.md says: the JWKS of BETTER_AUTH_URL, and its URL as issuer and audience.
    app = await startTestApp({
      auth: { jwksUrl: new URL(`${issuer.baseUrl}/api/auth/jwks`), issuer: issuer.baseUrl, audience: [issuer.baseUrl] },
    });
  });
  after(async () => {
    await app.close();
    await issuer.close();
    await stranger.close();
    for (const name of databases) await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.destroy();
  });

  it('when a user signs up and fetches a JWT, then the API accepts it for that user and refuses another user path', async () => {
    const { userId, cookie } = await issuer.signUp(`ada-${randomBytes(3).toString('hex')}@example.com`);
    const token = await issuer.token(cookie);
    assert.equal(decodeProtectedHeader(token).alg, 'EdDSA', 'Better Auth signs with Ed25519 by default');

    const api = createTasksClient({ baseUrl: app.baseUrl, getToken: () => token });
    const created = await api.createTask({ title: 'Signed by Better Auth' });
    assert.equal(created.user_id, userId);
    const mine = await api.raw.GET('/api/{user_id}/tasks', { params: { path: { user_id: userId } } });
    assert.deepEqual(mine.data?.map((t) => t.id), [created.id]);
    const theirs = await api.raw.GET('/api/{user_id}/tasks', { params: { path: { user_id: newUserId() } } });
    assert.equal(theirs.response.status, 403);
    const row = await app.db('users').where({ id: userId }).first<{ email: string; name: string }>();
    assert.equal(row.name, 'Ada Lovelace', "the user's row is filled from the token's claims");
  });

  it('when Better Auth rotates its key, then tokens with the new kid are accepted too', async () => {
    const { cookie } = await issuer.signUp(`grace-${randomBytes(3).toString('hex')}@example.com`);
    const before = await issuer.token(cookie);
    // Better Auth rotates once the key is ROTATION_SECONDS old, when it next signs: asked until it has.
    let after = before;
    await until(async () => decodeProtectedHeader((after = await issuer.token(cookie))).kid !== decodeProtectedHeader(before).kid, 200);
    const api = createTasksClient({ baseUrl: app.baseUrl, getToken: () => after });
    assert.equal((await api.listTasks()).tasks.length, 0);
    const old = createTasksClient({ baseUrl: app.baseUrl, getToken: () => before });
    assert.equal((await old.listTasks()).tasks.length, 0, 'the previous key stays valid through its grace period');
  });

  it('when a token comes from another Better Auth instance, then 401', async () => {
    const { cookie } = await stranger.signUp(`mallory-${randomBytes(3).toString('hex')}@example.com`);
    const foreign = await stranger.token(cookie);
    const api = createTasksClient({ baseUrl: app.baseUrl, getToken: () => foreign });
    await assert.rejects(api.listTasks(), (error: unknown) => error instanceof TasksApiError && error.status === 401);
  });
});
