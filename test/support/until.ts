// Waiting for a condition rather than for a clock: on a busy machine it holds later, never falsely. A hang
// is caught by the test's own timeout.
export async function until(check: () => boolean | Promise<boolean>, everyMs = 20): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, everyMs));
}
