// GaussianMixture beyond the fixtures: initialisations, sampling (temperature, shuffle), sample weights,
// model selection figures, bad input and cancellation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { GaussianMixture, GaussfaceError, Pool, selectComponents, shutdown } from '../dist/index.js';
import { rejects } from './helpers/util.mjs';

const blobs = JSON.parse(readFileSync(new URL('./fixtures/gmm_blobs2d.json', import.meta.url))).X;
const quiet = { onWarning: () => {} };

for (const initParams of ['kmeans', 'k-means++', 'random', 'random_from_data'])
  test(`initParams '${initParams}' fits, deterministically for a seed`, async () => {
    const fit = () => new GaussianMixture({ nComponents: 4, initParams, randomState: 3, ...quiet }).fit(blobs);
    const [a, b] = [await fit(), await fit()];
    assert.equal(Array.from(a.means.data), Array.from(b.means.data));
    assert.ok(a.lowerBound > -4.4, `lower bound ${a.lowerBound}`);
    const p = await a.predictProba(blobs);
    for (let i = 0; i < p.rows; i++) {
      const s = p.row(i).reduce((x, y) => x + y, 0);
      assert.ok(Math.abs(s - 1) < 1e-5, 'predictProba rows sum to 1');
    }
  });

test('nInit keeps the best lower bound', async () => {
  const one = await new GaussianMixture({ nComponents: 4, initParams: 'random_from_data', randomState: 1, ...quiet }).fit(blobs);
  const many = await new GaussianMixture({ nComponents: 4, initParams: 'random_from_data', randomState: 1, nInit: 6, ...quiet }).fit(blobs);
  assert.ok(many.lowerBound >= one.lowerBound);
});

test('sample → refit recovers the parameters of a large draw', async () => {
  const truth = await new GaussianMixture({ nComponents: 3, randomState: 0, ...quiet }).fit(blobs.slice(0, 150));
  const { X, labels } = await truth.sample(30000, { randomState: 5 });
  assert.is(X.rows, 30000);
  const counts = [0, 1, 2].map((k) => labels.filter((l) => l === k).length / 30000);
  counts.forEach((c, k) => assert.ok(Math.abs(c - truth.weights[k]) < 0.015, `weight ${k}`));
  const refit = await new GaussianMixture({ nComponents: 3, randomState: 0, meansInit: truth.means, ...quiet }).fit(X);
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(refit.weights[k] - truth.weights[k]) < 0.02, 'weights');
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(refit.means.get(k, j) - truth.means.get(k, j)) < 0.06, 'means');
    for (let t = 0; t < 4; t++) assert.ok(Math.abs(refit.covariances[k * 4 + t] - truth.covariances[k * 4 + t]) < 0.08 * (1 + Math.abs(truth.covariances[k * 4 + t])), 'covariances');
  }
});

test('temperature scales the covariance of the samples; shuffle mixes components', async () => {
  const gm = await new GaussianMixture({ nComponents: 1, ...quiet }).fit(blobs);
  const spread = (X) => {
    let s = 0;
    for (let i = 0; i < X.rows; i++) s += (X.get(i, 0) - gm.means.get(0, 0)) ** 2;
    return s / X.rows;
  };
  const base = spread((await gm.sample(20000, { randomState: 1 })).X);
  const cold = spread((await gm.sample(20000, { randomState: 1, temperature: 0.6 })).X);
  assert.ok(Math.abs(cold / base - 0.6) < 0.01, `variance ratio ${cold / base}`);
  const k4 = await new GaussianMixture({ nComponents: 4, randomState: 0, ...quiet }).fit(blobs);
  const grouped = (await k4.sample(200, { randomState: 2 })).labels;
  assert.equal(Array.from(grouped), Array.from(grouped).sort((a, b) => a - b), 'grouped by component by default');
  const mixed = (await k4.sample(200, { randomState: 2, shuffle: true })).labels;
  assert.not.equal(Array.from(mixed), Array.from(mixed).sort((a, b) => a - b));
});

test('integer sample weights equal repeated rows', async () => {
  const X = blobs.slice(0, 60);
  const w = X.map((_, i) => (i % 3) + 1);
  const repeated = X.flatMap((r, i) => Array(w[i]).fill(r));
  const start = { nComponents: 2, meansInit: [X[0], X[1]], weightsInit: [0.5, 0.5], precisionsInit: [1, 0, 0, 1, 1, 0, 0, 1], ...quiet };
  const a = await new GaussianMixture(start).fit(X, { sampleWeight: w });
  const b = await new GaussianMixture(start).fit(repeated);
  assert.is(a.nIter, b.nIter);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(a.means.data[i] - b.means.data[i]) < 1e-4);
  assert.ok(Math.abs(a.lowerBound - b.lowerBound) < 1e-4);
});

test('bic/aic favour the true number of clusters', async () => {
  const scores = [];
  for (const k of [1, 2, 4, 6]) {
    const gm = await new GaussianMixture({ nComponents: k, randomState: 0, ...quiet }).fit(blobs);
    scores.push([k, await gm.bic(blobs), await gm.aic(blobs)]);
  }
  assert.is(scores.reduce((a, b) => (b[1] < a[1] ? b : a))[0], 4);
});

test('selectComponents ranks a grid by BIC or AIC on data sent once', async () => {
  const seen = [];
  const sel = await selectComponents(blobs, { candidates: [1, 2, 4, 8], covarianceTypes: ['full', 'diag'], randomState: 0, onFit: (r) => seen.push(r), ...quiet });
  assert.is(sel.table.length, 8);
  assert.is(seen.length, 8);
  assert.is(sel.bestRow.nComponents, 4);
  assert.is(sel.best.nComponents, 4);
  assert.is(sel.bestRow.bic, Math.min(...sel.table.map((r) => r.bic)));
  const byAic = await selectComponents(blobs, { candidates: [2, 4], criterion: 'aic', randomState: 0, ...quiet });
  assert.is(byAic.bestRow.aic, Math.min(...byAic.table.map((r) => r.aic)));
  await rejects(() => selectComponents(blobs, { candidates: [] }), /non-empty list/);
  await rejects(() => selectComponents(blobs, { covarianceTypes: ['round'] }), /'round' is not one of/);
  await rejects(() => selectComponents(blobs.slice(0, 3), { candidates: [5, 9] }), /every candidate exceeds the 3 samples/);
});

test('streamed data (chunks sent on every pass) fits to the same bits as resident data', async () => {
  const pool = await Pool.create({ workers: 2 });
  try {
    const X = Array.from({ length: 100 }, () => blobs).flat(); // 20000 rows × 2: several chunks
    const flat = Float32Array.from(X.flat());
    const opts = { nComponents: 4, initParams: 'random_from_data', randomState: 4, pool, ...quiet };
    const resident = await new GaussianMixture(opts).fit(X);
    const streamed = await new GaussianMixture(opts).fit(pool.stream({ rows: X.length, cols: 2, read: (a, b) => flat.slice(2 * a, 2 * b) }));
    assert.equal(Array.from(streamed.means.data), Array.from(resident.means.data));
    assert.is(streamed.lowerBound, resident.lowerBound);
    const source = { rows: X.length, cols: 2, read: (a, b) => flat.slice(2 * a, 2 * b) };
    await rejects(() => new GaussianMixture({ ...opts, initParams: 'kmeans' }).fit(pool.stream(source)), /needs the rows in memory/);
  } finally {
    pool.close();
  }
});

test('partialFit over chunks (stepwise online EM) reaches the full fit', async () => {
  const X = Array.from({ length: 20 }, () => blobs).flat();
  const start = { nComponents: 4, randomState: 0, ...quiet };
  const full = await new GaussianMixture(start).fit(X);
  const online = new GaussianMixture({ ...start, meansInit: full.means, weightsInit: [0.25, 0.25, 0.25, 0.25], precisionsInit: [].concat(...Array(4).fill([1, 0, 0, 1])) });
  const chunks = Array.from({ length: 8 }, (_, c) => X.filter((_, i) => i % 8 === c));
  for (let pass = 0; pass < 6; pass++) for (const chunk of chunks) await online.partialFit(chunk, { stepDecay: 1 });
  assert.is(online.nIter, 48);
  // Overlapping blobs: EM itself creeps here, so the online fit is close in likelihood, near in parameters.
  assert.ok(Math.abs((await online.score(X)) - (await full.score(X))) < 1e-3, 'score');
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(online.means.data[i] - full.means.data[i]) < 0.1, `mean ${i}`);
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(online.weights[k] - full.weights[k]) < 0.02, `weight ${k}`);
  await rejects(() => online.partialFit(X, { stepDecay: 0.3 }), /stepDecay must be in/);
});

test('fewer samples than dimensions: the unspanned directions keep exactly regCovar (scatter sums in f64)', async () => {
  // 12 points on a random 5-D affine subspace of R^40, coordinates ~10: an f32 sum of squares would leave noise of
  // ~1e-5 there, ten times regCovar (the case of a face mixture with ~20 faces per component in PCA-100).
  const [n, d, r] = [12, 40, 5];
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const basis = []; // r orthonormal directions (Gram–Schmidt), then their complement
  const ortho = (v) => {
    for (const b of basis) {
      const p = v.reduce((a, x, j) => a + x * b[j], 0);
      v = v.map((x, j) => x - p * b[j]);
    }
    const nv = Math.hypot(...v);
    return v.map((x) => x / nv);
  };
  for (let t = 0; t < d; t++) basis.push(ortho(Array.from({ length: d }, rand)));
  const X = Float32Array.from({ length: n * d }, (_, i) => {
    const [row, j] = [Math.floor(i / d), i % d];
    let v = 10;
    for (let t = 0; t < r; t++) v += 10 * Math.sin(row * 3.1 + t * 1.7) * basis[t][j];
    return v;
  });
  const gm = await new GaussianMixture({ nComponents: 1, randomState: 0, ...quiet }).fit({ data: X, shape: [n, d] });
  // Reference: the f64 covariance of the same f32 rows.
  const mean = Array.from({ length: d }, (_, j) => X.filter((_, i) => i % d === j).reduce((a, v) => a + v, 0) / n);
  const quad = (C, v) => v.reduce((a, vi, i) => a + vi * v.reduce((b, vj, j) => b + C(i, j) * vj, 0), 0);
  const ref = (i, j) => {
    let s = 0;
    for (let t = 0; t < n; t++) s += (X[t * d + i] - mean[i]) * (X[t * d + j] - mean[j]);
    return s / n + (i === j ? 1e-6 : 0);
  };
  for (const v of basis.slice(r)) {
    const got = quad((i, j) => gm.covariances[i * d + j], v);
    assert.ok(Math.abs(got - quad(ref, v)) < 1e-9, `variance ${got} along an unspanned direction (reference ${quad(ref, v)})`);
  }
});

test('non-convergence is a warning, not an error', async () => {
  const warnings = [];
  const gm = await new GaussianMixture({ nComponents: 4, maxIter: 1, randomState: 0, onWarning: (m) => warnings.push(m) }).fit(blobs);
  assert.is(gm.converged, false);
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /did not converge/);
});

test('bad input is a GaussfaceError naming the problem and the fix', async () => {
  const gm = () => new GaussianMixture({ nComponents: 3, ...quiet });
  await rejects(() => gm().fit([[1, 2], [NaN, 1], [3, 4]]), /X contains NaN at row 1, column 0/);
  await rejects(() => gm().fit([[1, Infinity], [0, 1], [3, 4]]), /Infinity/);
  // Streamed rows never sit in the calling thread: the workers check each chunk as it passes.
  const pool = await Pool.create({ workers: 2 });
  try {
    const data = Float32Array.from(blobs.flat());
    data[7 * 2 + 1] = NaN;
    await rejects(() => new GaussianMixture({ nComponents: 2, pool, ...quiet }).fit(pool.stream(data, blobs.length, 2)), /X contains NaN at row 7, column 1/);
  } finally {
    pool.close();
  }
  await rejects(() => gm().fit([[1, 2], [3, 4]]), /2 samples but nComponents is 3/);
  await rejects(() => gm().fit([]), /at least 1/);
  await rejects(() => gm().fit([[1, 2], [3]]), /row 1 has 1 values/);
  await rejects(() => gm().fit([[], [], []]), /no features/);
  await rejects(() => gm().predict([[1, 2]]), /not fitted/);
  const fitted = await new GaussianMixture({ nComponents: 2, randomState: 0, ...quiet }).fit(blobs);
  await rejects(() => fitted.predict([[1, 2, 3]]), /3 columns but 2 were expected/);
  await rejects(() => fitted.sample(0), /n must be an integer/);
  assert.throws(() => new GaussianMixture({ covarianceType: 'banana' }), /covarianceType must be one of/);
  assert.throws(() => new GaussianMixture({ nComponents: 0 }), /nComponents must be an integer/);
  await rejects(() => gm().fit(blobs, { sampleWeight: [1, 2] }), /sampleWeight has 2 values/);
});

test('collapsed components: duplicated points without regularisation raise scikit-learn\'s error', async () => {
  const X = [...Array(20).fill([1, 1]), ...Array(20).fill([5, 5])];
  const err = await rejects(() => new GaussianMixture({ nComponents: 2, regCovar: 0, randomState: 0, ...quiet }).fit(X), /ill-defined empirical covariance/);
  assert.instance(err, GaussfaceError);
  assert.is(err.code, 'ECOLLAPSE');
  assert.match(err.message, /increase regCovar/);
  // The default regCovar keeps the same data fittable (and zero-variance features too).
  const ok = await new GaussianMixture({ nComponents: 2, randomState: 0, ...quiet }).fit(X.map(([a]) => [a, 0]));
  assert.ok(Number.isFinite(ok.lowerBound));
});

test('fit is cancellable', async () => {
  const ac = new AbortController();
  const big = Array.from({ length: 20000 }, (_, i) => [Math.sin(i), Math.cos(i * 1.3), Math.sin(i * 0.7)]);
  const p = new GaussianMixture({ nComponents: 8, maxIter: 500, tol: 0, signal: ac.signal, randomState: 0, ...quiet }).fit(big);
  setTimeout(() => ac.abort(), 50);
  const err = await rejects(() => p, /cancelled/);
  assert.is(err.code, 'EABORT');
});

test('progress is reported per iteration', async () => {
  const seen = [];
  await new GaussianMixture({ nComponents: 4, randomState: 0, onProgress: (p) => seen.push(p), ...quiet }).fit(blobs);
  assert.ok(seen.length >= 2);
  assert.is(seen[0].iteration, 1);
  assert.ok(seen.every((p) => Number.isFinite(p.lowerBound)));
});

test.after(() => shutdown());
test.run();
