// How the scripts run by hand (`db:seed`, `migrate`, `db:distribute`) reach the database: DATABASE_URL when
// set; else the embedded PostgreSQL that `npm start` is running on the data directory (a second one on the
// same data is refused by PostgreSQL); else one started for the script and stopped after it. A failure is
// said in a line or two on stderr with exit code 1, never as a stack trace (LOG_LEVEL=debug logs that).
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from '../src/config/index.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { isDatabaseUnavailable } from '../src/db/errors.js';

export async function withDatabase(work: (database: Database, config: Config) => Promise<void>): Promise<void> {
  let database: Database | undefined;
  let debug: (error: unknown) => void = () => {};
  try {
    const config = loadConfig();
    const logger = pino({ level: config.logLevel });
    debug = (error) => logger.debug({ err: error }, 'the script failed');
    const log = { info: (m: string) => logger.info(m), debug: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m) };
    database = await openDatabase(config, log, { shareRunningEmbedded: true });
    await work(database, config);
  } catch (error) {
    debug(error);
    process.exitCode = 1;
    console.error(
      error instanceof ConfigError
        ? error.message
        : isDatabaseUnavailable(error)
          ? `Failed: the database cannot be reached (${firstLine(error)}): check DATABASE_URL and that PostgreSQL is up, or unset it to use the embedded one.`
          : `Failed: ${firstLine(error)}`,
    );
  } finally {
    await database?.close().catch(() => {}); // what failed has been said
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] || 'an unknown error';
}
