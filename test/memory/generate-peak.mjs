// Child of test/memory.test.mjs: prints { base, peak, bytes, ratio, uploaded } for generate() — PCA by variance
// fraction (sketch, chosen-size fit, projection), then a small mixture — on two workers. argv[2]: the dist folder.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const { Pool, Matrix, generate, syntheticFaces } = await import(pathToFileURL(`${process.argv[2]}/index.js`).href);
const kB = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;

const pool = await Pool.create({ workers: 2 });
// Values of image rows the pipeline sends to the workers (every upload of d-wide rows).
let uploaded = 0;
const upload = pool.upload.bind(pool);
pool.upload = (data, rows, cols, opts) => ((uploaded += cols === d ? data.length : 0), upload(data, rows, cols, opts));
const [n, size] = [2400, 64];
const d = size * size;
// Workers started and engines grown by a small run first, so that the idle figure includes them.
await generate(syntheticFaces({ n: 64, size, seed: 2 }).X, { pool, pcaComponents: 5, nComponents: 1, nSamples: 1 });
const X = syntheticFaces({ n, size, seed: 1 }).X;
uploaded = 0;
const base = kB('VmRSS');
writeFileSync('/proc/self/clear_refs', '5'); // peak RSS := current RSS
await generate(X, { pool, randomState: 0, candidates: [1, 2], nSamples: 4 });
const peak = kB('VmHWM');
console.log(JSON.stringify({ base, peak, bytes: X.data.byteLength, ratio: (peak - base) / X.data.byteLength, uploaded: uploaded / X.data.length }));
pool.close();
