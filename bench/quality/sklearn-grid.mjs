// Renders the 16 samples that bench/quality/sklearn_best.py saved for a set's best scikit-learn model as
// docs/img/quality-<set><tag>-sklearn.png, the same grid as ours.mjs draws.
// Usage: node bench/quality/sklearn-grid.mjs lfw|celeba [TAG] (the tag of a sklearn_best.py run)
import { readFileSync, writeFileSync } from 'node:fs';
import { Matrix } from '../../dist/index.js';
import { imageGrid } from '../../dist/node.js';
import { CACHE, SETS } from './data.mjs';

const [name = 'lfw', tag = ''] = process.argv.slice(2);
const { size, channels } = SETS[name];
const b = readFileSync(`${CACHE}/sklearn-${name}${tag}-samples.f32`);
const cols = size * size * channels;
const X = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
writeFileSync(`docs/img/quality-${name}${tag}-sklearn.png`, await imageGrid(new Matrix(X.length / cols, cols, X), { width: size, height: size, channels, cols: 8 }));
