// The one deviation from serving Redoc's bundle as published: its sidebar footer loads Redocly's logo from
// https://cdn.redoc.ly (every 2.x release does; 3.x, which may not, needs Node 22). The docs must make no
// request to another host, and the CSP would only turn the attempt into a console error, so the bundle is
// served with that one URL replaced by an empty image, which fails to decode: Redoc's own onError then
// drops the logo and keeps the "API docs by Redocly" link. test/service-routes/redoc-bundle.unit.test.ts pins that the
// installed bundle holds the URL exactly once, so a release that moves it is noticed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const REDOC_LOGO_URL = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

export function redocBundlePath(): string {
  return createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');
}

/** The bundle as served: read once, the logo's URL replaced. Throws if the bundle no longer holds it once. */
export function redocBundle(source = readFileSync(redocBundlePath(), 'utf8')): string {
  const occurrences = source.split(REDOC_LOGO_URL).length - 1;
  if (occurrences !== 1) throw new Error(`Redoc's bundle holds ${REDOC_LOGO_URL} ${occurrences} times, not once: see src/service-routes/redoc-bundle.ts`);
  return source.replace(REDOC_LOGO_URL, 'data:,');
}
