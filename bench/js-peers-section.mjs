// The JavaScript peers of ../shared/anchors/README.md ("JS peers — what exactly they run"): what a JS user would
// pick without gaussface (ml-kmeans for W4, ml-pca for W3, gaussian-mixture-model for W1/W7), each run as the
// anchors' scripts run it, against gaussface on the same inputs and starts, one thread each.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import GMM from 'gaussian-mixture-model';
import { kmeans } from 'ml-kmeans';
import { Matrix as MlMatrix } from 'ml-matrix';
import { PCA as MlPCA } from 'ml-pca';
import { GaussianMixture, idxImages, KMeans, PCA, Pool } from '../dist/index.js';
import { bestOf } from './util.mjs';

const CACHE = '.bench-cache';
const SHARED = '../shared/datasets';
// Read from the installed copy: these packages' `exports` do not include their package.json.
const version = (pkg) => JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')).version;

const readF64 = (file, cols) => {
  const b = readFileSync(file);
  const data = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return { data, rows: data.length / cols, cols };
};
const rowsOf = ({ data, rows, cols }) => Array.from({ length: rows }, (_, i) => Array.from(data.subarray(i * cols, (i + 1) * cols)));
const f32 = ({ data, rows, cols }) => ({ data: Float32Array.from(data), shape: [rows, cols] });

/** Seconds of one call (the peers take seconds to minutes: one run each, as the anchors' records are read). */
async function once(fn) {
  const t0 = performance.now();
  const out = await fn();
  return [(performance.now() - t0) / 1000, out];
}

async function withPool(fn) {
  const pool = await Pool.create({ workers: 1 });
  try {
    return await fn(pool);
  } finally {
    pool.close();
  }
}

/** The anchors' inputs in .bench-cache: written by the gmm and pca-kmeans sections' scripts, or made here. */
function cached(python, file, args) {
  if (!existsSync(`${CACHE}/${file}`)) python.run([...args, '--cache', CACHE]);
  return `${CACHE}/${file}`;
}

/** W4: ml-kmeans with scikit-learn's absolute tolerance, from the same k-means++ centres, and seeded on its own. */
async function w4(python, dataset, variants) {
  const Z = readF64(cached(python, `w4_${dataset}_z.f64`, ['w4', '--dataset', dataset]), 100);
  const C0 = readF64(`${CACHE}/w4_${dataset}_c0.f64`, 100);
  const data = rowsOf(Z);
  let meanVar = 0;
  for (let j = 0; j < Z.cols; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < Z.rows; i++) {
      const v = Z.data[i * Z.cols + j];
      s += v;
      s2 += v * v;
    }
    meanVar += (s2 / Z.rows - (s / Z.rows) ** 2) / Z.cols;
  }
  const inertia = (res) => data.reduce((t, p, i) => t + p.reduce((u, v, j) => u + (v - res.centroids[res.clusters[i]][j]) ** 2, 0), 0);
  const rows = [];
  for (const variant of variants) {
    const given = variant === 'given';
    const [peerS, res] = await once(() => kmeans(data, 50, { initialization: given ? rowsOf(C0) : 'kmeans++', maxIterations: 300, tolerance: 1e-4 * meanVar, seed: 0 }));
    let km;
    const ours = await withPool((pool) => bestOf(3, async () => (km = await new KMeans({ nClusters: 50, init: given ? f32(C0) : 'k-means++', randomState: 0, maxIter: 300, tol: 1e-4, pool }).fit(f32(Z)))));
    rows.push([`W4 K-Means ${dataset} ${Z.rows}×100, k=50, ${given ? 'same initial centres' : 'own k-means++ seeded 0'}`, `ml-kmeans ${version('ml-kmeans')}`, peerS, ours,
      `${km.nIter} it, inertia ${km.inertia.toExponential(4)} / ${res.iterations} it, ${inertia(res).toExponential(4)}`]);
  }
  return rows;
}

/** W3: ml-pca (no truncated solver: the whole SVD of the centred data) on the first 10,000 Fashion-MNIST images. */
async function w3() {
  const all = idxImages(gunzipSync(readFileSync(`${SHARED}/fashion_mnist/train-images-idx3-ubyte.gz`)));
  const n = 10000;
  const X = { data: all.data.subarray(0, n * all.cols), shape: [n, all.cols] };
  const M = new MlMatrix(n, all.cols);
  for (let i = 0; i < n; i++) M.setRow(i, Array.from(X.data.subarray(i * all.cols, (i + 1) * all.cols)));
  const [peerS, peer] = await once(() => new MlPCA(M, { method: 'SVD', center: true, scale: false }));
  const peerEvr = peer.getExplainedVariance().slice(0, 150).reduce((a, b) => a + b, 0);
  const rows = [];
  for (const svdSolver of ['full', 'randomized']) {
    let evr = 0;
    const ours = await withPool((pool) => bestOf(3, async () => {
      const p = await new PCA({ nComponents: 150, svdSolver, randomState: 0, pool }).fit(X);
      evr = p.explainedVarianceRatio.reduce((a, b) => a + b, 0);
    }));
    rows.push([`W3 PCA fmnist10k 10000×784 → 150 (gaussface ${svdSolver}; the peer computes all 784)`, `ml-pca ${version('ml-pca')} (SVD)`, peerS, ours, `Σ EVR of 150: ${evr.toFixed(4)} / ${peerEvr.toFixed(4)}`]);
  }
  return rows;
}

/** W1/W7: gaussian-mixture-model from scikit-learn's initial parameters for scikit-learn's number of iterations. */
async function gmm(label, X, init, iters, k, Xscore) {
  const d = X.cols;
  const g = new GMM({ weights: init.weights, means: init.means2d, covariances: init.covariances, bufferSize: X.rows });
  for (const p of rowsOf(X)) g.addPoint(p);
  const [peerS] = await once(() => g.runEM(iters));
  let gm;
  let score = NaN;
  const ours = await withPool(async (pool) => {
    const t = await bestOf(3, async () => {
      gm = await new GaussianMixture({ nComponents: k, covarianceType: 'full', maxIter: 100, tol: 1e-3, pool, onWarning: () => {},
        weightsInit: init.weights, meansInit: { data: init.means, shape: [k, d] }, precisionsInit: init.precisions }).fit(f32(X));
    });
    score = await gm.score(f32(Xscore));
    return t;
  });
  const finite = g.weights.every(Number.isFinite) && g.means.every((m) => m.every(Number.isFinite));
  const peerScore = finite ? meanLogLik(rowsOf(Xscore), g.weights, g.means, g.covariances) : NaN;
  return [label, `gaussian-mixture-model ${version('gaussian-mixture-model')}`, peerS, ours,
    `${gm.nIter} / ${iters} it, score ${score.toFixed(3)} / ${Number.isFinite(peerScore) ? peerScore.toFixed(3) : 'not finite (its E-step works in linear space)'}`];
}

/** Mean log-likelihood of a full-covariance mixture, in log space (the anchors' evaluation of the peer's model). */
function meanLogLik(X, weights, means, covs) {
  const d = X[0].length;
  const chol = covs.map((C) => {
    const L = Array.from({ length: d }, () => new Float64Array(d));
    for (let i = 0; i < d; i++)
      for (let j = 0; j <= i; j++) {
        let s = C[i][j];
        for (let t = 0; t < j; t++) s -= L[i][t] * L[j][t];
        L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
      }
    return L;
  });
  const logdet = chol.map((L) => 2 * L.reduce((s, row, i) => s + Math.log(row[i]), 0));
  const y = new Float64Array(d);
  let total = 0;
  for (const x of X) {
    const lp = weights.map((w, k) => {
      let m2 = 0;
      for (let i = 0; i < d; i++) {
        let s = x[i] - means[k][i];
        for (let j = 0; j < i; j++) s -= chol[k][i][j] * y[j];
        y[i] = s / chol[k][i][i];
        m2 += y[i] * y[i];
      }
      return Math.log(w) - 0.5 * (d * Math.log(2 * Math.PI) + logdet[k] + m2);
    });
    const mx = Math.max(...lp);
    total += mx + Math.log(lp.reduce((s, v) => s + Math.exp(v - mx), 0));
  }
  return total / X.length;
}

/** scikit-learn's initial parameters (a max_iter = 0 fit) in the shapes both libraries take. */
function initFor(file, k, d) {
  const init = JSON.parse(readFileSync(file));
  const means2d = Array.from({ length: k }, (_, i) => init.means.slice(i * d, (i + 1) * d));
  const covariances = Array.from({ length: k }, (_, c) => Array.from({ length: d }, (_, i) => init.covariances.slice((c * d + i) * d, (c * d + i + 1) * d)));
  return { ...init, means2d, covariances };
}

export async function run({ quick, python }) {
  if (!python.ok || !existsSync(SHARED)) return `## JavaScript peers (W1, W3, W4, W7)\n\nSkipped: ${!python.ok ? python.reason : `${SHARED} is absent`}.\n`;
  const rows = [...(await w4(python, 'lfw', ['given', 'kmeans++']))];
  if (!quick) rows.push(...(await w4(python, 'fmnist60k', ['given'])), ...(await w3()));
  const w7 = python.run(['w7', '--threads', '1', '--n-init', '1', '--cache', CACHE]);
  const P = readF64(`${CACHE}/w7_points.f64`, 2);
  rows.push(await gmm('W7 41,707 points k=30, same start', P, initFor(`${CACHE}/w7_init.json`, 30, 2), w7.same_start_n_iter, 30, P));
  const w1 = python.run(['w1', '--dataset', 'olivetti', '--threads', '1', '--cache', CACHE]);
  const Ztr = readF64(`${CACHE}/w1_olivetti_train.f64`, 100);
  const Zte = readF64(`${CACHE}/w1_olivetti_test.f64`, 100);
  rows.push(await gmm('W1 olivetti 100-D k=16, same start (held-out score)', Ztr, initFor(`${CACHE}/w1_olivetti_init.json`, 16, 100), w1.same_start_n_iter, 16, Zte));
  return `## JavaScript peers (W1, W3, W4, W7)

What a JavaScript user would otherwise pick, run as \`../shared/anchors/js\` runs it, against gaussface (one worker)
on the same inputs: ml-kmeans with scikit-learn's absolute tolerance (1e-4 · mean feature variance) from the same
k-means++ centres, and with its own seeded k-means++; ml-pca, which has no truncated solver and computes every
component; gaussian-mixture-model from scikit-learn's initial parameters for scikit-learn's number of iterations
(it has no stopping rule), its model scored in log space afterwards. Peers: one run each (seconds to a minute);
gaussface: best of 3.

| workload | peer | peer s | gaussface s | ratio (peer / ours) | quality (ours / peer) |
|---|---|---|---|---|---|
${rows.map(([w, p, a, b, q]) => `| ${w} | ${p} | ${a.toFixed(3)} | ${b.toFixed(3)} | **${(a / b).toFixed(1)}×** | ${q} |`).join('\n')}
`;
}
