// docs/explanation/code-map.md's folder map is the tree as it is: every folder of src/ has its line, and
// every folder the map names is there.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The paths the folder map's block names, one a line, each ending in '/'. */
function mappedFolders(): string[] {
  const page = readFileSync(join(ROOT, 'docs/explanation/code-map.md'), 'utf8');
  const block = /## Folder map\n[\s\S]*?```\n([\s\S]*?)```/.exec(page)?.[1];
  assert.ok(block, 'the page has a folder map in a code block');
  return block.split('\n').filter(Boolean).map((line) => /^(\S+\/)\s/.exec(line)?.[1] ?? assert.fail(`not a folder's line: ${line}`));
}

function foldersUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [`${dir}${entry.name}/`, ...foldersUnder(`${dir}${entry.name}/`)]);
}

describe('the code map', () => {
  it('when a folder is in src/, then the folder map has its line', () => {
    const mapped = new Set(mappedFolders());
    assert.deepEqual(['src/', ...foldersUnder('src/')].filter((folder) => !mapped.has(folder)), []);
  });

  it('when the folder map names a folder, then it exists', () => {
    assert.deepEqual(mappedFolders().filter((folder) => !existsSync(join(ROOT, folder))), []);
  });
});
