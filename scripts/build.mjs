// Builds the engine (.wasm, via asc) and bundles the SDK (esbuild) into dist/. No global tools needed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const only = process.argv[2]; // 'wasm' | 'sdk' | undefined (both)

if (only !== 'sdk') {
  mkdirSync('build', { recursive: true });
  const asc = require.resolve('assemblyscript/bin/asc.js');
  // The portable build, and the optional FMA build (relaxed SIMD) that Pool.create({ fma: true }) loads.
  for (const target of ['release', 'fma']) execFileSync(process.execPath, [asc, 'assembly/index.ts', '--target', target], { stdio: 'inherit' });
}
if (only !== 'wasm') {
  // From empty: split chunks get content-hashed names, so a rebuild would otherwise leave the old ones behind.
  rmSync('dist', { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { index: 'sdk/index.ts', worker: 'sdk/worker.ts', node: 'sdk/io/node.ts', 'web-demo': 'web-demo/demo.ts', 'widget-worker': 'web-demo/widgets/compute-worker.ts' },
    outdir: 'dist',
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    splitting: true,
    loader: { '.wasm': 'binary' },
    external: ['node:*', 'sharp'],
    sourcemap: true,
    logLevel: 'warning',
  });
  // Type declarations for the package's `types` (tsc from the devDependency, when installed).
  const tsc = 'node_modules/.bin/tsc';
  if (existsSync(tsc)) execFileSync(tsc, ['-p', '.'], { stdio: 'inherit' });
}
