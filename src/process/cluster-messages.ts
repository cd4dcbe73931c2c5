// What a cluster's primary and workers tell each other over IPC.

/** A worker asks for the database; the primary answers with its URL once it is up and migrated. */
export const DATABASE_QUESTION = 'database?';
export interface DatabaseReady {
  databaseUrl: string;
}

/** The primary asks a worker to drain and exit (a message, not a signal: a worker may already have had one). */
export const SHUTDOWN_MESSAGE = 'shutdown';

/** A worker serves only once the primary's database is migrated; it asks, and waits for the answer. */
export function databaseFromPrimary(): Promise<string> {
  return new Promise((resolve) => {
    const exitIfOrphaned = () => process.exit(1); // the primary failed to start, and is gone
    const onMessage = (message: unknown) => {
      if (message === SHUTDOWN_MESSAGE) process.exit(0); // nothing served yet: nothing to drain
      if (!isDatabaseReady(message)) return;
      process.off('message', onMessage);
      process.off('disconnect', exitIfOrphaned);
      resolve(message.databaseUrl);
    };
    process.on('message', onMessage);
    process.once('disconnect', exitIfOrphaned);
    process.send!(DATABASE_QUESTION);
  });
}

function isDatabaseReady(message: unknown): message is DatabaseReady {
  return typeof (message as DatabaseReady | null)?.databaseUrl === 'string';
}
