// npm run build:web: the static widget site in dist/web/ (or --out DIR) — the widget bundles, the engine worker,
// a gallery page (index.html) with every widget, a page for <iframe> embedding, EMBED.md, and small model files
// made here with the SDK from the built-in faces (a mixture model with its training faces, a VAE with two
// attribute directions) plus a drawing for the point-cloud widget. Needs `node scripts/build.mjs` first (the
// engine in build/ and the SDK in dist/). Options: --out DIR, --no-models (bundles and pages only).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { browserHost, embed, swap } from './esbuild-plugins.mjs';

const { values: opts } = parseArgs({ options: { out: { type: 'string', default: 'dist/web' }, 'no-models': { type: 'boolean' } } });
const out = opts.out;
const root = new URL('..', import.meta.url).pathname;

/** The widget modules, one entry per element plus the all-in-one; the widgets' compute worker sits next to them. */
export const ENTRIES = {
  'gaussface-widgets': 'web-demo/widgets/index.ts',
  'gaussface-points': 'web-demo/widgets/points.ts',
  'gaussface-faces': 'web-demo/widgets/faces.ts',
  'gaussface-morph': 'web-demo/widgets/morph.ts',
  'gaussface-fit': 'web-demo/widgets/fit.ts',
  'widget-worker': 'web-demo/widgets/compute-worker.ts',
};

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'models'), { recursive: true });
const t0 = performance.now();
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ENTRIES,
  outdir: resolve(out),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  mainFields: ['module', 'main'],
  target: 'es2022',
  splitting: true, // one copy of the SDK and engine, shared by every widget on the page
  minify: true,
  loader: { '.wasm': 'binary' },
  // The SDK's browser build: no node: module anywhere, and the engine workers started from the worker script
  // embedded in it (dist/worker.js, made by scripts/build.mjs), so no second script is fetched per worker.
  plugins: [swap(browserHost), embed('gaussface:worker-source', readFileSync(join(root, 'dist/worker.js'), 'utf8'))],
  logLevel: 'warning',
});
for (const f of readdirSync(join(root, 'web-demo/site'))) copyFileSync(join(root, 'web-demo/site', f), join(out, f));
copyFileSync(join(root, 'EMBED.md'), join(out, 'EMBED.md'));
console.log(`bundles and pages → ${out}/ (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

if (!opts['no-models']) {
  const { makeGalleryModels } = await import('./web-models.mjs');
  await makeGalleryModels(join(out, 'models'));
}
