// Graceful shutdown with close-with-grace: on SIGTERM or SIGINT (or an error nothing caught), `stop` runs
// once; the process exits 0 when it is done, or 1 if it fails or takes longer than the grace period.
import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { loggableError } from '../db/errors.js';

export const SHUTDOWN_GRACE_MS = 10_000;

/** Returns a function that starts the same shutdown by hand (e.g. when the cluster primary asks for it). */
export function onShutdown(logger: Logger, stop: () => Promise<void>, graceMs = SHUTDOWN_GRACE_MS): () => void {
  let stopping: Promise<void> | undefined;
  const once = () => (stopping ??= stop());
  const { close } = closeWithGrace(
    { delay: graceMs, logger: { error: (message: unknown) => logger.error(String(message)) } },
    async ({ signal, err, manual }) => {
      if (err) logger.error({ err: loggableError(err) }, 'An error nothing caught: shutting down.');
      else logger.info(`${signal ?? (manual ? 'Asked to stop' : 'Nothing left to do')}: finishing the requests in flight, then closing.`);
      await once();
    },
  );
  return close;
}
