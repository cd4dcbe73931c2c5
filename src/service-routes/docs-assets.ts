// The renderers' files that the docs pages load. Their packages (Stoplight Elements, Redoc) are development
// dependencies: `npm run build` copies these files out of them into dist/docs-assets/
// (scripts/build-docs-assets.ts), and the server serves them from there, so a production install carries
// neither renderer nor the UI framework beneath it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { redocBundle } from './redoc-bundle.js';

export interface DocsAsset {
  /** Its path under the docs assets' URL, and under the build's directory. */
  served: string;
  /** The file a package exports, as `require.resolve` names it. */
  from: string;
  /** How the build changes it, if it does. */
  transform?: (source: string) => string;
}

export const DOCS_ASSETS: readonly DocsAsset[] = [
  { served: 'elements/web-components.min.js', from: '@stoplight/elements/web-components.min.js' },
  { served: 'elements/styles.min.css', from: '@stoplight/elements/styles.min.css' },
  { served: 'redoc/redoc.standalone.js', from: 'redoc/bundles/redoc.standalone.js', transform: redocBundle },
];

/**
 * Where the build put them: dist/docs-assets, seen from this module compiled into dist/src/service-routes/ or from its
 * source in src/service-routes/ (development and tests run the source).
 */
export function docsAssetsDir(): string {
  const compiled = import.meta.url.endsWith('.js');
  const dir = fileURLToPath(new URL(compiled ? '../../docs-assets/' : '../../dist/docs-assets/', import.meta.url));
  const missing = DOCS_ASSETS.filter(({ served }) => !existsSync(dir + served));
  if (missing.length > 0) {
    throw new Error(`The docs pages' files are not built (${missing.map(({ served }) => served).join(', ')} missing in ${dir}): run npm run build.`);
  }
  return dir;
}
