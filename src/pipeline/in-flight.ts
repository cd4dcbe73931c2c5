// Operations still being handled, those whose clients have already left included: whatever they use (the
// database pool above all) must stay open until they are done.
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves once nothing is being handled (work that starts meanwhile is waited for too). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
