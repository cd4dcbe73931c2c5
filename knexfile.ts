// The knex CLI's view of this project: the same migration list and names as the server's start-up
// (src/db/migrate.ts), on DATABASE_URL. Run it with tsx, which the CLI cannot load TypeScript without:
//   NODE_OPTIONS=--import=tsx npx knex migrate:status      (or: npm run knex -- migrate:status)
//   … migrate:latest | migrate:rollback [--all] | migrate:up | migrate:down | migrate:make <name>
// The server's start-up migrates too, under an advisory lock; both take knex's own lock while migrating.
import type { Knex } from 'knex';
import { loadDatabaseUrl } from './src/config.js';
import { MIGRATIONS } from './src/db/migrate.js';

const config: Knex.Config = {
  client: 'pg',
  connection: loadDatabaseUrl(),
  pool: { min: 0, max: 2 },
  migrations: MIGRATIONS,
};

export default config;
