// Process entry: configuration, then one server, or with WEB_CONCURRENCY > 1 a cluster primary whose
// workers are servers. Only the processes that serve requests load the app.
import cluster from 'node:cluster';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config/index.js';
import { EmbeddedPostgresMissing } from './db/embedded-missing.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  if (cluster.isPrimary && config.webConcurrency > 1) await (await import('./process/primary.js')).runPrimary(config, logger);
  else await (await import('./process/server.js')).runServer(config, logger);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EmbeddedPostgresMissing) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
