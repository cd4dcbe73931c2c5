// /docs: Swagger UI, served from the installed swagger-ui-dist package (no CDN, works offline), reading the
// contract from /openapi.json. Scripts are files, never inline, so the page's CSP can forbid inline script.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { type Router } from 'express';

export const DOCS_ASSETS_PATH = '/docs/assets';
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // Swagger UI sets style attributes at run time
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Tasks API reference</title>
    <link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${DOCS_ASSETS_PATH}/favicon-32x32.png">
  </head>
  <body>
    <div id="reference"></div>
    <script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_ASSETS_PATH}/init.js"></script>
  </body>
</html>
`;

const initScript = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true });\n`;

/** The files the page loads, and nothing else of the package. */
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

/** The Swagger UI files, to be mounted at DOCS_ASSETS_PATH (so that no other request walks this router). */
export function docsAssets(): Router {
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const router = express.Router();
  router.get('/init.js', (_req, res) => {
    res.type('text/javascript').send(initScript);
  });
  for (const asset of ASSETS) {
    router.get(`/${asset}`, (_req, res, next) => res.sendFile(asset, { root: dist, maxAge: '1h' }, (error) => error && next(error)));
  }
  return router;
}
