// The API references, rendered in the browser from /openapi.json by this server's own files only (no CDN, no
// request to any other host; the renderers' bundles are copied into the build, src/service-routes/docs-assets.ts): /docs is Stoplight Elements, with its try-it console; /docs/redoc is Redoc.
// Each page is static HTML with no inline script, under a CSP that allows what its renderer needs and no
// more; connect-src 'self' also keeps Redoc's bundle from sending telemetry elsewhere.
import express, { type Router } from 'express';
import { DOCS_ASSETS, docsAssetsDir } from './docs-assets.js';

export const DOCS_ASSETS_PATH = '/docs/assets';

const common = [
  "default-src 'none'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  // The references read /openapi.json, and try-it calls this API: both are this server.
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];
/** Elements sets style attributes and style elements at run time. */
export const ELEMENTS_CSP = [...common, "script-src 'self'", "style-src 'self' 'unsafe-inline'"].join('; ');
/** Redoc also does, and runs its search index in a Worker it makes from a blob. */
export const REDOC_CSP = [...common, "script-src 'self'", "style-src 'self' 'unsafe-inline'", 'worker-src blob:'].join('; ');

const head = (title: string, extra: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${title}</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${DOCS_ASSETS_PATH}/docs.css">
${extra}  </head>`;

const otherViews = (current: 'elements' | 'redoc') => `    <nav class="views">
      Tasks API reference: ${current === 'elements' ? '<strong>interactive</strong>' : '<a href="/docs">interactive (try it)</a>'} ·
      ${current === 'redoc' ? '<strong>Redoc</strong>' : '<a href="/docs/redoc">Redoc</a>'} · <a href="/openapi.yaml">openapi.yaml</a> ·
      <a href="/openapi.json">openapi.json</a>
    </nav>`;

/** Stoplight Elements: the reference with a try-it console (paste a token under Auth to call the API). */
export const elementsPage = `${head(
  'Tasks API reference',
  `    <link rel="stylesheet" href="${DOCS_ASSETS_PATH}/elements/styles.min.css">
    <script src="${DOCS_ASSETS_PATH}/elements/web-components.min.js"></script>
`,
)}
  <body>
${otherViews('elements')}
    <elements-api apiDescriptionUrl="/openapi.json" router="hash" layout="sidebar" tryItCredentialsPolicy="omit"></elements-api>
  </body>
</html>
`;

/** Redoc: the same reference in Redoc's three-panel layout. */
export const redocPage = `${head('Tasks API reference (Redoc)', '')}
  <body>
${otherViews('redoc')}
    <redoc spec-url="/openapi.json" disable-search-indexing="false" hide-download-button="false"></redoc>
    <script src="${DOCS_ASSETS_PATH}/redoc/redoc.standalone.js"></script>
  </body>
</html>
`;

const STYLES = `body { margin: 0; }
.views { font: 14px/1.5 system-ui, sans-serif; padding: 6px 16px; border-bottom: 1px solid #ddd; background: #fafafa; }
elements-api { display: block; height: calc(100vh - 34px); }
`;

/** The references' files, to be mounted at DOCS_ASSETS_PATH (so that no other request walks this router). */
export function docsAssets(): Router {
  const dir = docsAssetsDir();
  const router = express.Router();
  router.get('/docs.css', (_req, res) => {
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600').send(STYLES);
  });
  // The files the pages load, and nothing else: no directory of them is served.
  for (const { served } of DOCS_ASSETS) {
    router.get(`/${served}`, (_req, res, next) => res.sendFile(served, { root: dir, maxAge: '1h' }, (error) => error && next(error)));
  }
  return router;
}
