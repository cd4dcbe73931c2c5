// How far V8 lets the heap grow past what its last full collection found alive. Left to itself, under a steady
// stream of requests it grows the old space to several times the live objects (what requests in flight hold
// is promoted, then dies there), and keeps what it grew: resident memory after a burst stayed far above what
// the process needs (docs/performance.md has the figures). A smaller growing factor collects sooner instead.
// It is not a cap (--max-old-space-size is, and a burst of maximum-size bodies under a cap crashes the
// process): a heap that needs more still gets it.
//
// V8 documents its flags only as command-line options; node:v8's setFlagsFromString sets one at run time, and
// that V8 reads this one at every collection is its internals: test/process/heap.unit.test.ts pins it.
import { setFlagsFromString } from 'node:v8';

/** The old space may grow to (1 + this / 100) × what the last full collection kept. */
export const HEAP_GROWING_PERCENT = 60;

export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
