// W3 (randomized PCA → 150) and W4 (K-Means k = 50 on PCA-100 features) against scikit-learn.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { idxImages, KMeans, PCA, Pool } from '../dist/index.js';
import { bestOf } from './util.mjs';

const CACHE = '.bench-cache';
const SHARED = '../shared/datasets';

const readF32 = (file, cols) => {
  const b = readFileSync(file);
  const data = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return { data, shape: [data.length / cols, cols], rows: data.length / cols, cols };
};

const readF64 = (file, cols) => {
  const b = readFileSync(file);
  const data = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  return { data: Float32Array.from(data), shape: [data.length / cols, cols] };
};

/** A pool of `workers` workers, or with workers = 'inline' the same tasks in the calling thread. */
async function withPool(workers, fn, fma = false) {
  const pool = await Pool.create(workers === 'inline' ? { inline: true, fma } : { workers, fma });
  try {
    return await fn(pool);
  } finally {
    pool.close();
  }
}

export async function run({ quick, python }) {
  if (!python.ok || !existsSync(SHARED)) return `## PCA and K-Means (W3, W4)\n\nSkipped: ${!python.ok ? python.reason : `${SHARED} is absent`}.\n`;
  const rows = [];
  const sets = quick ? ['lfw'] : ['lfw', 'fmnist60k'];
  for (const dataset of sets) {
    let X;
    for (const threads of [1, 2]) {
      const sk = python.run(['w3', '--dataset', dataset, '--threads', String(threads), '--cache', CACHE]);
      X ??= dataset === 'lfw' ? readF32(`${CACHE}/w3_lfw_x.f32`, 4096) : idxImages(gunzipSync(readFileSync(`${SHARED}/fashion_mnist/train-images-idx3-ubyte.gz`)));
      for (const fma of [false, true]) {
        let evr = 0;
        const t = await withPool(threads, (pool) => bestOf(quick ? 1 : 3, async () => {
          const p = await new PCA({ nComponents: 150, svdSolver: 'randomized', randomState: 0, pool }).fit(X);
          evr = p.explainedVarianceRatio.reduce((a, b) => a + b, 0);
        }), fma);
        rows.push([`W3 PCA ${dataset} ${sk.n}×${sk.d} → 150 (randomized)${fma ? ', FMA build' : ''}`, threads, t, sk.fit_s, `${evr.toFixed(4)} / ${sk.evr_sum.toFixed(4)}`]);
      }
    }
  }
  for (const dataset of sets) {
    // One thread: a pool of one worker, and the same tasks in the calling thread (no messages), as scikit-learn runs.
    for (const [threads, modes] of [[1, [1, 'inline']], [2, [2]]]) {
      const sk = python.run(['w4', '--dataset', dataset, '--threads', String(threads), '--cache', CACHE]);
      const Z = readF64(`${CACHE}/w4_${dataset}_z.f64`, 100);
      const C0 = readF64(`${CACHE}/w4_${dataset}_c0.f64`, 100);
      for (const mode of modes) {
        let given;
        let kpp;
        const reps = quick ? 1 : dataset === 'lfw' ? 9 : 3;
        const tg = await withPool(mode, (pool) => bestOf(reps, async () => (given = await new KMeans({ nClusters: 50, init: C0, maxIter: 300, tol: 1e-4, pool }).fit(Z))));
        const tk = await withPool(mode, (pool) => bestOf(reps, async () => (kpp = await new KMeans({ nClusters: 50, randomState: 0, maxIter: 300, tol: 1e-4, pool }).fit(Z))));
        const who = mode === 'inline' ? '1, calling thread' : mode;
        rows.push([`W4 K-Means ${dataset} ${Z.shape[0]}×100, k=50, same initial centres`, who, tg, sk.given_s, `${given.nIter} it, inertia ${given.inertia.toExponential(4)} / ${sk.given_n_iter} it, ${sk.given_inertia.toExponential(4)}`]);
        rows.push([`W4 K-Means ${dataset}, k-means++ seeded 0 (both: numpy's RandomState(0))`, who, tk, sk.kpp_s, `${kpp.nIter} it, inertia ${kpp.inertia.toExponential(4)} / ${sk.kpp_n_iter} it, ${sk.kpp_inertia.toExponential(4)}`]);
      }
    }
  }
  return `## PCA and K-Means (W3, W4)

| workload | workers / BLAS threads | gaussface s | scikit-learn s | ratio (sklearn / ours) | quality (ours / sklearn) |
|---|---|---|---|---|---|
${rows.map(([w, th, a, b, q]) => `| ${w} | ${th} | ${a.toFixed(3)} | ${b.toFixed(3)} | **${(b / a).toFixed(2)}×** | ${q} |`).join('\n')}

W3 quality = Σ explained-variance ratio of the 150 components (both sides read the same decoded pixels); W3 times
are the best of 3 fits on both sides (after a warm-up fit each; this shared machine's speed swings by up to
×2 for seconds at a time, and noise only ever adds time). "FMA build" rows run the optional relaxed-SIMD engine (\`Pool.create({ fma: true })\`). W4 "same initial centres" starts both from scikit-learn's
\`kmeans_plusplus(Z, 50, random_state=0)\`; the k-means++ rows are timed with the seeding, each library drawing
from numpy's RandomState(0) (gaussface's port of it), so both pick the same rows and take the same iterations.
W4 times are the best of 9 fits (LFW, 0.1 s each) or 3 (Fashion-MNIST) on both sides. "1, calling thread" runs the pool's tasks in the calling thread
(\`Pool.create({ inline: true })\`), as scikit-learn does; "1" posts them to one worker. Data whose Lloyd step is
under n·d·K = 2²⁵ multiply-adds (LFW's 5237×100 with K = 50) stays in one worker, where the whole fit — seeding
and every Lloyd step — runs as one call, so "2" uses one of the two workers there; Fashion-MNIST's 60000 rows
are split over both, one message per step.
`;
}
