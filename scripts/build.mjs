// Builds the engine (.wasm, via asc) and bundles the SDK (esbuild) into dist/. No global tools needed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const only = process.argv[2]; // 'wasm' | 'sdk' | undefined (both)

/**
 * Build variants: the SDK's imports of `./<name>.js` (`../<name>.js` from a sub-folder) resolve to `<file>` in
 * the same folder instead — `host.browser.ts` for host.ts (no node: modules), `engine-builds.worker.ts` for
 * engine-builds.ts (no engine bytes in workers).
 */
const swap = (table) => ({
  name: 'swap',
  setup(b) {
    for (const [name, file] of Object.entries(table))
      b.onResolve({ filter: new RegExp(`^(\\.\\.?/)+${name}\\.js$`) }, (a) => ({ path: resolve(a.resolveDir, dirname(a.path), file) }));
  },
});
const browserHost = { host: 'host.browser.ts' };
const workerEngine = { 'engine-builds': 'engine-builds.worker.ts' };

/** A virtual module `name` whose default export is the string `text`. */
const embed = (name, text) => ({
  name: 'embed',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${name}$`) }, () => ({ path: name, namespace: 'embed' }));
    b.onLoad({ filter: /.*/, namespace: 'embed' }, () => ({ contents: `export default ${JSON.stringify(text)};`, loader: 'js' }));
  },
});

if (only !== 'sdk') {
  mkdirSync('build', { recursive: true });
  const asc = require.resolve('assemblyscript/bin/asc.js');
  // The portable build, and the optional FMA build (relaxed SIMD) that Pool.create({ fma: true }) loads.
  for (const target of ['release', 'fma']) execFileSync(process.execPath, [asc, 'assembly/index.ts', '--target', target], { stdio: 'inherit' });
  writeKernelTypes();
}
if (only !== 'wasm') {
  // From empty: split chunks get content-hashed names, so a rebuild would otherwise leave the old ones behind.
  rmSync('dist', { recursive: true, force: true });
  const common = { bundle: true, format: 'esm', target: 'es2022', mainFields: ['module', 'main'], loader: { '.wasm': 'binary' }, logLevel: 'warning' };
  // The worker scripts: each one self-contained file (no chunk imports) without the engine's bytes (the pool
  // posts the compiled Module). worker.js, for browsers and Deno, is minified: a page fetches it per worker, or
  // embeds it (below); worker-node.js is for Node's worker_threads.
  const worker = await esbuild.build({
    ...common,
    entryPoints: ['sdk/worker.ts'],
    platform: 'browser',
    plugins: [swap({ ...browserHost, ...workerEngine }), embed('gaussface:worker-source', '')],
    minify: true,
    write: false,
    outfile: 'dist/worker.js',
  });
  const workerSource = worker.outputFiles[0].text;
  mkdirSync('dist', { recursive: true });
  writeFileSync('dist/worker.js', workerSource);
  await esbuild.build({ ...common, entryPoints: ['sdk/worker-node.ts'], platform: 'node', plugins: [swap(workerEngine)], external: ['node:*'], sourcemap: true, outfile: 'dist/worker-node.js' });
  // The browser build (the package's `browser` condition, and the web demo): host.browser.ts, the worker script
  // embedded; platform 'browser' with nothing external, so a node: import anywhere in it fails this build.
  // Minified (with source maps): pages load it as it is.
  await esbuild.build({
    ...common,
    entryPoints: { browser: 'sdk/index.ts', 'web-demo': 'web-demo/demo.ts' },
    outdir: 'dist',
    platform: 'browser',
    splitting: true,
    minify: true,
    sourcemap: true,
    plugins: [swap(browserHost), embed('gaussface:worker-source', workerSource)],
  });
  // The default build: Node (worker_threads), Deno and unbundled browsers (dist/worker.js by URL).
  await esbuild.build({
    ...common,
    entryPoints: { index: 'sdk/index.ts', node: 'sdk/io/node.ts' },
    outdir: 'dist',
    platform: 'neutral',
    splitting: true,
    sourcemap: true,
    external: ['node:*', 'sharp'],
  });
  // Type declarations for the package's `types` (tsc from the devDependency, when installed).
  const tsc = 'node_modules/.bin/tsc';
  if (existsSync(tsc)) execFileSync(tsc, ['-p', '.'], { stdio: 'inherit' });
}

/**
 * build/kernels.d.ts: the engine's exports as a TypeScript interface, from the bindings asc writes next to the
 * release build (asconfig's `bindings: raw`: parameter names and their wasm types), so that `engine.call('gemm',
 * …)` is checked by tsc: a missing or extra argument (which wasm would silently read as 0, a null pointer) fails
 * the build.
 */
function writeKernelTypes() {
  const dts = readFileSync('build/gaussface.d.ts', 'utf8');
  const body = dts.slice(dts.indexOf('{', dts.indexOf('declare namespace __AdaptedExports')) + 1, dts.indexOf('\n}'));
  const members = body.replace(/^ *\/\*\* Exported memory \*\/\n.*\n/m, '').replace(/export function /g, '');
  writeFileSync('build/kernels.d.ts', `// Generated by scripts/build.mjs from asc's bindings (do not edit): the engine's exports.\nexport interface Kernels {${members}\n}\n`);
  for (const f of ['build/gaussface.d.ts', 'build/gaussface.js']) rmSync(f, { force: true }); // glue we do not use
}
