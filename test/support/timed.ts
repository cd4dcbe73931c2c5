// Timing an answer that a deadline of the code under test produces. The deadline is a timer in this
// process (startTestApp serves in-process); a probe timer of the same length, started with the work, fires
// as late as the machine now fires such timers. So an answer held to `boundMs + lateMs + TRIP_MARGIN_MS`
// is held to the deadline itself, on a quiet machine or a busy one, and an answer that came from anything
// slower than the deadline (a connect or acquire timeout, a TCP keepalive, no bound at all) still fails.

/** The request's trip around the timer: the local socket both ways, routing, the handler's first steps. */
export const TRIP_MARGIN_MS = 250;

export async function timedAgainst<T>(boundMs: number, work: () => Promise<T>): Promise<{ value: T; ms: number; lateMs: number; limitMs: number }> {
  const started = Date.now();
  let firedAt: number | undefined;
  const probe = setTimeout(() => (firedAt = Date.now()), boundMs);
  const value = await work();
  const ms = Date.now() - started;
  clearTimeout(probe);
  // Answered before the probe fired: within the bound, whatever the machine's lateness.
  const lateMs = firedAt === undefined ? 0 : firedAt - started - boundMs;
  return { value, ms, lateMs, limitMs: boundMs + lateMs + TRIP_MARGIN_MS };
}
