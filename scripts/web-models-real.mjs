// Model files from the real data sets for the widget site (not run by the tests; minutes to tens of minutes):
// LFW → lfw.safetensors for <gaussface-faces> (PCA 100 + mixture, k by BIC, with its training faces for
// "nearest training face"), CelebA → celeba-vae.safetensors for <gaussface-morph> (conv64 VAE, with the
// Smiling and Eyeglasses directions stored). Uses the project's own CLI on ../shared/datasets.
// Usage: node scripts/web-models-real.mjs [OUT_DIR (default dist/web/models)] [--epochs N (default 9)]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ImageModel, shutdown } from '../dist/index.js';
import { loadImageFolder } from '../dist/node.js';
import { withTrainingFaces } from './web-models.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { epochs: { type: 'string', default: '9' } } });
const out = resolve(positionals[0] ?? 'dist/web/models');
const data = resolve(new URL('../../shared/datasets', import.meta.url).pathname);
const cli = (...args) => execFileSync(process.execPath, [new URL('../cli/gaussface.mjs', import.meta.url).pathname, ...args], { stdio: 'inherit' });
mkdirSync(out, { recursive: true });

if (existsSync(join(data, 'lfw'))) {
  const file = join(out, 'lfw.safetensors');
  cli('fit', '--data', join(data, 'lfw'), '--size', '64', '--pca', '100', '--out', file);
  // Add the training faces (PCA codes and 8-bit pixels) for the widget's "nearest training face".
  const { X } = await loadImageFolder(join(data, 'lfw'), { size: 64 });
  writeFileSync(file, await withTrainingFaces(ImageModel.fromBytes(new Uint8Array(readFileSync(file))), X));
} else console.log(`skipped LFW: ${data}/lfw is absent`);

if (existsSync(join(data, 'celeba'))) {
  const file = join(out, 'celeba-vae.safetensors');
  const src = ['--data', join(data, 'celeba'), '--size', '64', '--crop', '0.8', '--rgb'];
  cli('vae', 'train', ...src, '--preset', 'conv64', '--holdout', '--batch', '64', '--epochs', values.epochs, '--out', file);
  for (const name of ['Smiling', 'Eyeglasses']) cli('vae', 'attribute', file, ...src, '--attributes', join(data, 'celeba', 'attributes.txt'), '--name', name, '--save');
} else console.log(`skipped CelebA: ${data}/celeba is absent`);
await shutdown();
