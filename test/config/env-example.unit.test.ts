// .env.example is where a newcomer learns the settings: it must name every variable the server reads.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

describe('.env.example', () => {
  it('when a file of src/config/ reads a variable, then .env.example lists it, with a comment above it', async () => {
    const dir = new URL('../../src/config/', import.meta.url);
    const files = await readdir(dir);
    const config = (await Promise.all(files.map((file) => readFile(new URL(file, dir), 'utf8')))).join('\n');
    const example = await readFile(new URL('../../.env.example', import.meta.url), 'utf8');
    const read = new Set([...config.matchAll(/(?:read\.\w+\(|env\.)'?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
    assert.ok(read.size >= 15, `found ${[...read].join(', ')}`);
    const lines = example.split('\n');
    for (const name of read) {
      const at = lines.findIndex((line) => line.startsWith(`${name}=`));
      assert.ok(at > 0, `${name} is in .env.example`);
      // The comment may stand above a group of related variables.
      const above = lines.slice(0, at).reverse().find((line) => line.trim() !== '' && !/^[A-Z][A-Z0-9_]*=/.test(line));
      assert.match(above ?? '', /^#/, `${name} has a comment`);
    }
  });
});
