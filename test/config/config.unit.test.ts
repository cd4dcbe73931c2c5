import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, createConfig } from '../../src/config/index.js';

const secret = 's'.repeat(32);

describe('createConfig', () => {
  it('when only the secret is set, then every other setting takes its documented default', () => {
    const config = createConfig({ BETTER_AUTH_SECRET: secret });
    assert.equal(config.nodeEnv, 'development');
    assert.equal(config.port, 8000);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.databasePooler, undefined, 'the URL tells');
    assert.equal(config.sync.perUser, 5);
    assert.deepEqual(config.corsOrigins, ['http://localhost:3000']);
    assert.equal(config.auth.jwksUrl, undefined);
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.rateLimit, { enabled: true, perMinute: 300, searchesPerMinute: 60, rowsPerMinute: 20_000, concurrentPerUser: 6, redisUrl: undefined });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.auth) && Object.isFrozen(config.corsOrigins));
  });

  it('when BETTER_AUTH_URL is set, then the JWKS URL is its Better Auth endpoint, unless JWT_JWKS_URL overrides it', () => {
    const fromBase = createConfig({ BETTER_AUTH_SECRET: secret, BETTER_AUTH_URL: 'https://app.example.com/' });
    assert.equal(fromBase.auth.jwksUrl?.href, 'https://app.example.com/api/auth/jwks');
    const explicit = createConfig({ BETTER_AUTH_SECRET: secret, BETTER_AUTH_URL: 'https://app.example.com', JWT_JWKS_URL: 'https://keys.example.com/jwks' });
    assert.equal(explicit.auth.jwksUrl?.href, 'https://keys.example.com/jwks');
  });

  it('when everything is set, then it is all parsed', () => {
    const config = createConfig({
      BETTER_AUTH_SECRET: secret, NODE_ENV: 'production', PORT: '9000', DATABASE_URL: 'postgres://u@db:5432/tasks',
      JWT_ISSUER: 'https://auth.example.com', JWT_AUDIENCE: 'a, b', CORS_ORIGINS: 'https://a.example.com, https://b.example.com',
      LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '120', RATE_LIMIT_SEARCHES_PER_MINUTE: '12',
      DATABASE_DIRECT_URL: 'postgres://u@db-direct:5432/tasks', DATABASE_POOLER: 'transaction', EVENT_STREAMS_PER_USER: '10',
    });
    assert.equal(config.sync.perUser, 10);
    assert.equal(config.databaseDirectUrl, 'postgres://u@db-direct:5432/tasks');
    assert.equal(config.databasePooler, 'transaction');
    assert.deepEqual([config.rateLimit.perMinute, config.rateLimit.searchesPerMinute], [120, 12]);
    assert.equal(config.port, 9000);
    assert.equal(config.databaseUrl, 'postgres://u@db:5432/tasks');
    assert.deepEqual(config.auth.audience, ['a', 'b']);
    assert.deepEqual(config.corsOrigins, ['https://a.example.com', 'https://b.example.com']);
  });

  it('when several settings are wrong, then every problem is reported at once, each with what to do', () => {
    try {
      createConfig({
        BETTER_AUTH_SECRET: 'short', PORT: 'eighty', DATABASE_URL: 'mysql://x', NODE_ENV: 'staging',
        CORS_ORIGINS: 'https://ok.example.com/path', LOG_LEVEL: 'loud', BETTER_AUTH_URL: 'not a url',
        RATE_LIMIT_SEARCHES_PER_MINUTE: '0', DATABASE_POOLER: 'session',
      });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 9, error.message);
      assert.match(error.message, /DATABASE_POOLER/);
      assert.match(error.message, /RATE_LIMIT_SEARCHES_PER_MINUTE must be a whole number of searches, at least 1/);
      assert.match(error.message, /BETTER_AUTH_SECRET must be at least 32 characters \(it has 5\)/);
      assert.match(error.message, /PORT/);
      assert.match(error.message, /DATABASE_URL must be a postgres: or postgresql:\/\/ URL/);
    }
  });

  it('when no secret is set, then it refuses with a remedy (no secret has a default in code)', () => {
    assert.throws(() => createConfig({ NODE_ENV: 'production' }), /BETTER_AUTH_SECRET is not set.*randomBytes/s);
    assert.throws(() => createConfig({}), ConfigError);
  });
});
