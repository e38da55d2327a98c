// Child of test/memory.test.mjs: prints { base, peak, bytes, ratio } for one randomized PCA fit on two workers.
// argv[2]: the dist folder to test.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const { Pool, PCA, Matrix } = await import(pathToFileURL(`${process.argv[2]}/index.js`).href);
const kB = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;

const pool = await Pool.create({ workers: 2 });
const [n, d] = [2400, 4096];
// Workers started and engines grown by a small fit first, so that the idle figure includes them.
const warm = Float32Array.from({ length: 64 * d }, (_, i) => Math.sin(i));
await new PCA({ nComponents: 5, svdSolver: 'randomized', randomState: 0, pool }).fit(new Matrix(64, d, warm));
const base = kB('VmRSS');
const X = new Float32Array(n * d);
for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) X[i * d + j] = Math.sin(0.001 * (i + 1) * (j + 1)) + 0.01 * Math.cos(i * j);
writeFileSync('/proc/self/clear_refs', '5'); // peak RSS := current RSS
await new PCA({ nComponents: 40, svdSolver: 'randomized', randomState: 0, pool }).fit(new Matrix(n, d, X));
const peak = kB('VmHWM');
console.log(JSON.stringify({ base, peak, bytes: X.byteLength, ratio: (peak - base) / X.byteLength }));
pool.close();
