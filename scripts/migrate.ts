// `npm run migrate [-- latest|rollback|reset|status]` against DATABASE_URL (by DATABASE_DIRECT_URL when set),
// or the embedded database.
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrateLatest, migrateRollback, migrationStatus } from '../src/db/migrate.js';

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

const { config } = loadConfig();
const logger = pino({ level: config.logLevel });
const log = { info: (m: string) => logger.info(m), debug: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m) };
const database = await openDatabase(config, log);
try {
  console.log(JSON.stringify(await database.schema(action), null, 2));
} finally {
  await database.close();
}
