// The three-level log the database modules take, over the process's pino logger.
import type { Logger } from 'pino';

export function logFor(logger: Logger) {
  return { info: (m: string) => logger.info(m), debug: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m) };
}
