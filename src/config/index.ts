// The configuration: each part of the service's settings read in one file of this folder (server, database,
// auth, limits, sync), put together here. createConfig is pure: it parses everything, reports every problem
// at once with its remedy, defaults nothing secret, and freezes the result. This folder is the only reader
// of process.env.
import { readAuth, type AuthConfig } from './auth.js';
import { readDatabase, type DatabaseConfig } from './database.js';
import { readEnvFile } from './env-file.js';
import { ConfigError, envReader, type Env } from './env-reader.js';
import { readRateLimit, type RateLimitConfig } from './limits.js';
import { readServer, type ServerConfig } from './server.js';
import { readSync, type SyncSettings } from './sync.js';

export { MIN_SECRET_LENGTH, type AuthConfig } from './auth.js';
export type { Pooler } from './database.js';
export { environment, loadDatabaseUrl } from './env-file.js';
export { ConfigError, type Env } from './env-reader.js';
export type { NodeEnv } from './server.js';
export { SYNC_SETTINGS, type SyncSettings } from './sync.js';

export interface Config extends ServerConfig, DatabaseConfig {
  readonly auth: AuthConfig;
  readonly rateLimit: RateLimitConfig;
  readonly sync: SyncSettings;
}

export function createConfig(env: Env): Config {
  const read = envReader(env);
  const server = readServer(read);
  const database = readDatabase(read);
  const config = { ...server, ...database, auth: readAuth(read, env), rateLimit: readRateLimit(read), sync: readSync(read) };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return deepFreeze(config);
}

/** The service's configuration, from `.env` and the environment. */
export function loadConfig(envFile = '.env'): Config {
  readEnvFile(envFile);
  return createConfig(process.env);
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object' && !(inner instanceof URL)) deepFreeze(inner);
  }
  return Object.freeze(value);
}
