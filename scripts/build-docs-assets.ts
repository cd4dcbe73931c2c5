// Part of `npm run build`: copies the files the docs pages load out of the renderers' packages (development
// dependencies) into dist/docs-assets/, where the server serves them from (src/service-routes/docs-assets.ts).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DOCS_ASSETS } from '../src/service-routes/docs-assets.js';

const require = createRequire(import.meta.url);
const out = join(import.meta.dirname, '..', 'dist', 'docs-assets');
// Each file is written beside its place and renamed into it: a server running from this checkout (`npm
// start` builds first, under the test suite too) never reads half a file or finds none.
for (const { served, from, transform } of DOCS_ASSETS) {
  const target = join(out, served);
  await mkdir(dirname(target), { recursive: true });
  const source = await readFile(require.resolve(from));
  await writeFile(`${target}.${process.pid}`, transform ? transform(source.toString('utf8')) : source);
  await rename(`${target}.${process.pid}`, target);
}
