// One per process: it watches the change numbers of the users who have a stream open here and hands each
// stream the changes after its own position, in order. It reads them from PostgreSQL (the change log the
// triggers write with every commit), so a change made through any instance reaches every instance's streams,
// and a stream that falls behind, or a database that stops answering, loses nothing: the next look takes up
// from each stream's position. It looks every `pollMs` while any stream is open, and not at all otherwise.
import { describeDatabaseFailure, isDatabaseUnavailable, loggableError } from '../db/errors.js';
import type { DatabaseHealth } from '../db/health.js';
import type { TaskChange } from '../tasks/task.js';

export interface ChangeSource {
  /** The numbers of these users' last changes (absent: none yet). */
  lastChanges(userIds: readonly string[]): Promise<Map<string, number>>;
  changesAfter(userId: string, after: number, limit: number): Promise<TaskChange[]>;
}

export interface Subscriber {
  readonly userId: string;
  /** The number of the last change it has; changes after it are delivered. */
  position: number;
  /** False while it cannot take more (its client reads slowly): it is skipped until it can. */
  readonly ready: boolean;
  /** Takes changes in order (it advances `position` as it does). */
  deliver(changes: readonly TaskChange[]): void;
  /** Changes after `position` are no longer kept: it must start again from `last`. */
  resync(last: number): void;
  /** Ends it, as the process stops. */
  end(): void;
}

export interface HubOptions {
  pollMs: number;
  /** The most changes read for one user in one look. */
  pageSize: number;
  /** Where an outage is told, as requests tell theirs: one line for it, however many looks fail. */
  health: DatabaseHealth;
  log: { error(details: object, message: string): void };
}

export class ChangeHub {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly slots = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  /** A look was asked for at once while one was under way: it comes as soon as that one is done. */
  private lookAgain = false;
  private failing = false;
  private closed = false;

  constructor(
    private readonly source: ChangeSource,
    private readonly options: HubOptions,
  ) {}

  /**
   * Takes one of the user's `limit` stream slots here, or says there is none free. A stream takes its slot
   * before it first waits on anything, so a burst of requests cannot all pass the count before any is added.
   * The slot is the holder's until it calls release (once or more).
   */
  claim(userId: string, limit: number): (() => void) | undefined {
    const held = this.slots.get(userId) ?? 0;
    if (held >= limit) return undefined;
    this.slots.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.slots.get(userId)! - 1;
      if (left === 0) this.slots.delete(userId);
      else this.slots.set(userId, left);
    };
  }

  /** How many stream slots a user holds here (streams open, and those on their way). */
  count(userId: string): number {
    return this.slots.get(userId) ?? 0;
  }

  /** Adds a subscriber; returns how to remove it. */
  add(subscriber: Subscriber): () => void {
    let set = this.subscribers.get(subscriber.userId);
    if (!set) this.subscribers.set(subscriber.userId, (set = new Set()));
    set.add(subscriber);
    this.schedule(0);
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(subscriber.userId);
    };
  }

  /** Stops looking and ends every stream. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const set of this.subscribers.values()) for (const subscriber of set) subscriber.end();
    await this.looking;
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.subscribers.size === 0) return;
    // One look at a time: two would read the same changes for a stream and both deliver them.
    if (this.looking) {
      if (delayMs === 0) this.lookAgain = true;
      return;
    }
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.looking = this.look().finally(() => {
        this.looking = undefined;
        const again = this.lookAgain;
        this.lookAgain = false;
        this.schedule(again ? 0 : this.options.pollMs);
      });
    }, delayMs);
  }

  private async deliverTo(set: ReadonlySet<Subscriber>, userId: string, last: number): Promise<void> {
    // Streams at the same position (most are: they keep up) share one read.
    const byPosition = new Map<number, Subscriber[]>();
    for (const subscriber of set) {
      if (!subscriber.ready || subscriber.position >= last) continue;
      const group = byPosition.get(subscriber.position);
      if (group) group.push(subscriber);
      else byPosition.set(subscriber.position, [subscriber]);
    }
    for (const [position, group] of byPosition) {
      const changes = await this.source.changesAfter(userId, position, this.options.pageSize);
      const kept = changes[0] !== undefined && changes[0].seq === position + 1;
      for (const subscriber of group) {
        if (kept) subscriber.deliver(changes);
        else subscriber.resync(last); // the changes after its position are no longer kept
      }
    }
  }

  private async look(): Promise<void> {
    try {
      const lasts = await this.source.lastChanges([...this.subscribers.keys()]);
      await Promise.all([...this.subscribers].map(([userId, set]) => this.deliverTo(set, userId, lasts.get(userId) ?? 0)));
      this.failing = false;
    } catch (error) {
      // The streams stay open (heartbeats go on); the next look takes up from each one's position.
      if (isDatabaseUnavailable(error)) this.options.health.unavailable(describeDatabaseFailure(error));
      else if (!this.failing) this.options.log.error({ err: loggableError(error) }, 'The change log cannot be read; event streams wait.');
      this.failing = true;
    }
  }
}
