// TLS to the database, as managed PostgreSQL requires it: a private PostgreSQL with SSL on and a certificate
// from a CA made here. sslmode=require encrypts, sslmode=verify-full verifies the certificate (with
// sslrootcert) and the host name, and neither prints pg's security warning.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { createDb, DATABASE_BOUNDS } from '../../src/db/knex.js';
import { migrateLatest } from '../../migrations/migrate.js';
import { startServer, workDir } from '../support/server-process.js';
import { knexCli, npmRun } from '../support/cli.js';
import { proxyDatabase, stalledOutcome } from '../support/tcp-proxy.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
let database: EmbeddedDatabase;
let ca: string;
/** The database's URL, with `host` for the host and the query given. */
const at = (host: string, query: string) => {
  const url = new URL(database.url);
  url.hostname = host;
  url.search = query;
  return url.href;
};

before(async () => {
  if (!hasOpenssl) return;
  dir = await mkdtemp(join(tmpdir(), 'tasks-api-tls-'));
  await chmod(dir, 0o755);
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=tasks-api test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  await writeFile(file('san.ext'), 'subjectAltName=DNS:localhost\n'); // the name only: 127.0.0.1 is another name
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('san.ext'));
  await chmod(file('server.key'), 0o600);
  if (process.getuid?.() === 0) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres']).toString()));
    await chown(file('server.key'), uid!, gid!);
  }
  ca = file('ca.pem');
  database = await startEmbeddedPostgres(join(dir, 'data'), { info: () => {}, debug: () => {} }, {
    persistent: false,
    postgresFlags: ['-c', 'ssl=on', '-c', `ssl_cert_file=${file('server.pem')}`, '-c', `ssl_key_file=${file('server.key')}`],
  });
  const migrator = createDb(database.url, { bounds: false, poolMax: 2 });
  await migrateLatest(migrator);
  await migrator.destroy();
});
after(async () => {
  await database?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function encrypted(url: string): Promise<boolean> {
  const db = createDb(url);
  try {
    const { rows } = await db.raw<{ rows: Array<{ ssl: boolean }> }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
    return rows[0]!.ssl;
  } finally {
    await db.destroy();
  }
}

describe('TLS to the database', { skip: !hasOpenssl && 'openssl is not installed' }, () => {
  it('when the URL says sslmode=require, then the connection is encrypted, the certificate unverified (as in libpq)', async () => {
    assert.equal(await encrypted(at('127.0.0.1', '?sslmode=require')), true);
    assert.equal(await encrypted(at('127.0.0.1', '')), false, 'without sslmode, none is asked for');
  });

  it('when the URL says sslmode=verify-full with the CA, then it connects to the name on the certificate, encrypted', async () => {
    assert.equal(await encrypted(at('localhost', `?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`)), true);
  });

  it('when verify-full has no CA that signed the certificate, or the host is not the certificate’s name, then it refuses', async () => {
    await assert.rejects(encrypted(at('localhost', '?sslmode=verify-full')), /self[- ]signed|unable to verify|certificate/i);
    await assert.rejects(encrypted(at('127.0.0.1', `?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`)), /altnames|does not match|Hostname/i);
  });

  it('when an encrypted connection stops being answered mid-statement, then the statement fails as a stall within the bound', async () => {
    const { proxy, url } = await proxyDatabase(at('127.0.0.1', '?sslmode=require'));
    const stallMs = 800;
    const db = createDb(url, {
      poolMax: 1, bounds: { ...DATABASE_BOUNDS, stallMs },
    });
    try {
      const { rows } = await db.raw<{ rows: Array<{ ssl: boolean }> }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
      assert.equal(rows[0]!.ssl, true, 'encrypted, through the proxy');
      await new Promise((resolve) => setTimeout(resolve, stallMs * 2));
      assert.equal((await db.raw<{ rows: unknown[] }>('select 1')).rows.length, 1, 'idle past the bound is not a stall');
      proxy.stall();
      assert.equal(await stalledOutcome(db.raw('select 2'), stallMs), 'DATABASE_STALLED');
    } finally {
      proxy.resume();
      await db.destroy();
      await proxy.close();
    }
  });

  it('when the server starts with either URL, then it is ready and prints no security warning', async () => {
    for (const url of [at('127.0.0.1', '?sslmode=require'), at('localhost', `?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`)]) {
      const server = await startServer(await workDir(), { NODE_ENV: 'production', WEB_CONCURRENCY: '1', DATABASE_URL: url, BETTER_AUTH_SECRET: 's'.repeat(40) });
      try {
        assert.equal((await fetch(`http://127.0.0.1:${server.port}/api/ready`)).status, 200);
        assert.doesNotMatch(server.output(), /SECURITY WARNING|Warning/i);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    }
  });

  it('when the knex CLI and npm run migrate are given either URL, then they connect as the server does', () => {
    for (const url of [at('127.0.0.1', '?sslmode=require'), at('localhost', `?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`)]) {
      assert.match(knexCli({ DATABASE_URL: url }, 'migrate:status'), /No Pending Migration files Found/, url);
      const env = { DATABASE_URL: url, BETTER_AUTH_SECRET: 'm'.repeat(40), LOG_LEVEL: 'silent' };
      assert.deepEqual(JSON.parse(npmRun(env, 'migrate', 'status')).pending, [], url);
    }
  });
});
