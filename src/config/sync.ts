// How the event streams behave: how often the change log is read, heartbeats, the reconnect hint, how long
// a client may leave events unread, and how many streams a user may hold open on one process (429 beyond).
// Only the last is the operator's to set; tests shorten the others.
import type { EnvReader } from './env-reader.js';

export interface SyncSettings {
  readonly pollMs: number;
  readonly heartbeatMs: number;
  readonly retryMs: number;
  readonly slowConsumerMs: number;
  readonly perUser: number;
}

export const SYNC_SETTINGS: SyncSettings = { pollMs: 250, heartbeatMs: 15_000, retryMs: 3_000, slowConsumerMs: 30_000, perUser: 5 };

export function readSync(read: EnvReader): SyncSettings {
  return { ...SYNC_SETTINGS, perUser: read.integer('EVENT_STREAMS_PER_USER', SYNC_SETTINGS.perUser, { min: 1, max: 1000, what: 'streams' }) };
}
