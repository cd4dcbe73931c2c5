// The knex CLI's view of this project: the same migration list and names as the server's start-up
// (migrations/migrate.ts), on the same database by the same way (DATABASE_DIRECT_URL when set, else
// DATABASE_URL; sslmode as libpq means it, see src/db/connection-url.ts; with neither, the embedded database
// of a running `npm start`). Run it with tsx, without which
// the CLI cannot load TypeScript:
//   NODE_OPTIONS=--import=tsx npx knex migrate:status      (or: npm run knex -- migrate:status)
//   … migrate:latest | migrate:rollback [--all] | migrate:up | migrate:down | migrate:make <name>
// The server's start-up migrates too, under an advisory lock; both take knex's own lock while migrating.
import type { Knex } from 'knex';
import { ConfigError, loadDatabaseUrl } from './src/config/index.js';
import { databaseTarget } from './src/db/connection-url.js';
import { runningEmbeddedUrl } from './src/db/embedded-running.js';
import { MIGRATIONS } from './migrations/migrate.js';

function databaseUrl(): string {
  try {
    return loadDatabaseUrl('.env', runningEmbeddedUrl);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message); // what to do, without the stack trace the knex CLI would print
    process.exit(1);
  }
}

const config: Knex.Config = {
  client: 'pg',
  connection: { connectionString: databaseTarget(databaseUrl()).url }, // parsed by pg, as the server's are
  pool: { min: 0, max: 2 },
  migrations: MIGRATIONS,
};

export default config;
