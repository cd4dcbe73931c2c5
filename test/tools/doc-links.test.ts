// Every relative link in README.md and docs/ leads somewhere: the file or folder exists, and an anchor names
// a heading of the page it points into (GitHub's way of turning a heading into an anchor). Links to other
// sites are not followed; links inside code are not links.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/cli.js';

// Pages another branch of the same issue creates. While one is missing a link to it is let through; once it
// exists its links are checked like any other, so an entry here can never hide a broken link for long.
const PENDING = new Set(['docs/explanation/code-map.md']);

function pages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md'));
  return ['README.md', ...docs.map((f) => join('docs', f))].sort();
}

/** The page without fenced code blocks and inline code, where brackets and parentheses are not links. */
function withoutFences(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}
function prose(text: string): string {
  return withoutFences(text).replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchors: lower case, punctuation dropped, spaces to hyphens; a repeated heading gets -1, -2, … */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of withoutFences(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

export function links(text: string): string[] {
  const inline = [...prose(text).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const definitions = [...prose(text).matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...definitions];
}

/** What is wrong with each relative link of the page at `page` (a path from the repository's root). */
export function brokenLinks(page: string, text: string, exists = (path: string) => existsSync(join(ROOT, path))): string[] {
  const problems: string[] = [];
  for (const link of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:, …
    const [path = '', anchor] = link.split('#', 2) as [string, string | undefined];
    const target = path === '' ? page : relative(ROOT, join(ROOT, dirname(page), decodeURIComponent(path)));
    if (target.startsWith('..')) problems.push(`${link}: outside the repository`);
    else if (path !== '' && !exists(target)) {
      if (!PENDING.has(target)) problems.push(`${link}: no ${target}`);
    } else if (anchor !== undefined && target.endsWith('.md') && (target === page || !statSync(join(ROOT, target)).isDirectory())) {
      const targetText = target === page ? text : readFileSync(join(ROOT, target), 'utf8');
      if (!anchors(targetText).has(anchor)) problems.push(`${link}: ${target} has no heading #${anchor}`);
    }
  }
  return problems;
}

describe('links in README.md and docs/', () => {
  it('when a page links to a file of this repository or a heading in one, then it is there', () => {
    const problems = pages().flatMap((page) => brokenLinks(page, readFileSync(join(ROOT, page), 'utf8')).map((p) => `${page}: ${p}`));
    assert.deepEqual(problems, []);
  });

  it('when a link is broken, then the check says so (a file, a heading, a folder, outside the repository)', () => {
    const page = 'docs/how-to/example.md';
    const text = [
      '# A page', '## Its second part', '[ok](#its-second-part) [ok](../../README.md) [ok](../../src/)',
      '[no file](../nowhere.md) [no heading](#nothing) [no heading there](../../README.md#nothing)',
      '[outside](../../../elsewhere.md) `[code](not-a-link.md)` [web](https://example.com/x.md)',
    ].join('\n');
    assert.deepEqual(brokenLinks(page, text), [
      '../nowhere.md: no docs/nowhere.md',
      '#nothing: docs/how-to/example.md has no heading #nothing',
      '../../README.md#nothing: README.md has no heading #nothing',
      '../../../elsewhere.md: outside the repository',
    ]);
  });

  it('when a heading holds code, links or punctuation, then its anchor is the one GitHub makes', () => {
    assert.deepEqual([...anchors('# `npm test` and [the suite](x.md): what it costs\n## Twice\n## Twice')], ['npm-test-and-the-suite-what-it-costs', 'twice', 'twice-1']);
  });
});
