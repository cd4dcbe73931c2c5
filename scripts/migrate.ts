// `npm run migrate [-- latest|rollback|reset|status]` against DATABASE_URL (by DATABASE_DIRECT_URL when set),
// or the embedded database (the running server's, when `npm start` runs).
import { migrateLatest, migrateRollback, migrationStatus } from '../migrations/migrate.js';
import { withDatabase } from './with-database.js';

const command = process.argv[2] ?? 'latest';
const actions: Record<string, (db: Parameters<typeof migrateLatest>[0]) => Promise<unknown>> = {
  latest: async (db) => ({ applied: await migrateLatest(db) }),
  rollback: async (db) => ({ reverted: await migrateRollback(db) }),
  reset: async (db) => ({ reverted: await migrateRollback(db, true) }),
  status: migrationStatus,
};
const action = actions[command];
if (!action) {
  console.error(`Usage: npm run migrate -- ${Object.keys(actions).join('|')}`);
  process.exit(2);
}

await withDatabase(async (database) => {
  console.log(JSON.stringify(await database.schema(action), null, 2));
});
