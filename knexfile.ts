// The knex CLI's view of this project: the same migration list and names as the server's start-up
// (src/db/migrate.ts), on the same database by the same way (DATABASE_DIRECT_URL when set, else
// DATABASE_URL; sslmode as libpq means it, see src/db/connection-url.ts). Run it with tsx, without which
// the CLI cannot load TypeScript:
//   NODE_OPTIONS=--import=tsx npx knex migrate:status      (or: npm run knex -- migrate:status)
//   … migrate:latest | migrate:rollback [--all] | migrate:up | migrate:down | migrate:make <name>
// The server's start-up migrates too, under an advisory lock; both take knex's own lock while migrating.
import type { Knex } from 'knex';
import { loadDatabaseUrl } from './src/config.js';
import { databaseTarget } from './src/db/connection-url.js';
import { MIGRATIONS } from './src/db/migrate.js';

const config: Knex.Config = {
  client: 'pg',
  connection: { connectionString: databaseTarget(loadDatabaseUrl()).url }, // parsed by pg, as the server's are
  pool: { min: 0, max: 2 },
  migrations: MIGRATIONS,
};

export default config;
