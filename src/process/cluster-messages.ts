// What a cluster's primary and workers tell each other over IPC.

/** A worker asks for the database; the primary answers with its URL once it is up and migrated. */
export const DATABASE_QUESTION = 'database?';
export interface DatabaseReady {
  databaseUrl: string;
}

/**
 * A worker asks for the metrics of every worker, aggregated (a scrape reaches only one of them); the primary
 * gathers them with prom-client's AggregatorRegistry and answers.
 */
export const METRICS_QUESTION = 'tasks-api:metrics?';
export const METRICS_ANSWER = 'tasks-api:metrics';
export interface MetricsMessage {
  type: typeof METRICS_QUESTION | typeof METRICS_ANSWER;
  id: number;
  text?: string;
  error?: string;
}

export function isMetricsMessage(message: unknown, type: MetricsMessage['type']): message is MetricsMessage {
  return (message as MetricsMessage | null)?.type === type;
}

/** A worker's way to the aggregated metrics: ask the primary, wait for the answer to that question. */
export function metricsFromPrimary(): () => Promise<string> {
  let next = 0;
  const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  process.on('message', (message) => {
    if (!isMetricsMessage(message, METRICS_ANSWER)) return;
    const asked = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.text !== undefined) asked?.resolve(message.text);
    else asked?.reject(new Error(message.error ?? 'no metrics'));
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      process.send!({ type: METRICS_QUESTION, id } satisfies MetricsMessage);
    });
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
