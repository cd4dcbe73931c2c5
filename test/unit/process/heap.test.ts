// src/process/heap.ts sets V8's heap growing factor at run time, which V8 documents only as a command-line
// flag: this pins that setting it from the running process still bounds how far the heap grows.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

// What a busy server does to its heap: a steady live set, and objects that outlive a few scavenges (as what
// a request in flight holds does), are promoted, and die in the old space. Prints the largest heap seen.
const churn = (limit: boolean) => `
  ${limit ? "const { limitHeapGrowth } = await import('./src/process/heap.ts'); limitHeapGrowth();" : ''}
  const live = Array.from({ length: 300_000 }, (_, i) => ({ i, s: 'live ' + i }));
  const RING = 100_000, STEP = 10_000, ring = new Array(RING).fill(null);
  let max = 0;
  for (let round = 0; round < 150; round++) {
    for (let j = 0; j < STEP; j++) ring[(round * STEP + j) % RING] = { round, j, text: 'garbage ' + round + ' ' + j, pair: [round, j] };
    max = Math.max(max, process.memoryUsage().heapTotal);
    await new Promise((resolve) => setImmediate(resolve));
  }
  console.log(Math.round(max / 1e6), live.length);
`;

const largestHeapMb = (limit: boolean) =>
  Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', churn(limit)], { encoding: 'utf8' }).split(' ')[0]);

describe('the heap growing factor', () => {
  it('when the server limits heap growth at start, then the same churn grows the heap far less than V8 left alone does', () => {
    const [alone, limited] = [largestHeapMb(false), largestHeapMb(true)];
    assert.ok(limited < alone * 0.75, `largest heap: ${limited} MB limited, ${alone} MB left alone`);
  });
});
