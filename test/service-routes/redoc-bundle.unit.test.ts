import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { REDOC_LOGO_URL, redocBundle, redocBundlePath } from '../../src/service-routes/redoc-bundle.js';

describe("Redoc's bundle as served", () => {
  it('when the installed bundle is read, then it names the CDN logo exactly once (what the replacement relies on)', () => {
    assert.equal(readFileSync(redocBundlePath(), 'utf8').split(REDOC_LOGO_URL).length - 1, 1);
  });

  it('when it is served, then it names no other host to load from, and the rest is untouched', () => {
    const source = readFileSync(redocBundlePath(), 'utf8');
    const served = redocBundle(source);
    assert.ok(!served.includes('cdn.redoc.ly'));
    assert.equal(served.length, source.length - REDOC_LOGO_URL.length + 'data:,'.length);
  });

  it('when a release moves the logo, then serving refuses to guess', () => {
    assert.throws(() => redocBundle('no logo here'), /0 times/);
    assert.throws(() => redocBundle(`${REDOC_LOGO_URL} ${REDOC_LOGO_URL}`), /2 times/);
  });
});
