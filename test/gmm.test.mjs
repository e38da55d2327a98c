// GaussianMixture against scikit-learn 1.2.1 (fixtures in test/fixtures, see its README).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { GaussianMixture, Pool, shutdown } from '../dist/index.js';

const load = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));
const flat = (a) => (Array.isArray(a) ? a.flat(Infinity) : [a]);

/** Largest |a − b| relative to the largest |b| of the array (scale-aware: covariances mix sizes). */
function relErr(a, b) {
  const bb = flat(b);
  const aa = Array.from(a);
  assert.is(aa.length, bb.length, 'length');
  const scale = Math.max(...bb.map(Math.abs), 1e-300);
  return Math.max(...aa.map((v, i) => Math.abs(v - bb[i]))) / scale;
}

const fitCase = (f, c, pool) =>
  new GaussianMixture({
    nComponents: c.k, covarianceType: c.covariance_type, tol: c.tol, regCovar: c.reg_covar, maxIter: c.max_iter,
    weightsInit: c.weights_init, meansInit: c.means_init, precisionsInit: flat(c.precisions_init), pool,
    onWarning: () => {},
  }).fit(f.X);

for (const name of ['gmm_iris', 'gmm_blobs2d', 'gmm_blobs10d']) {
  const f = load(name);
  for (const c of f.cases) {
    const label = `${name} ${c.covariance_type} k=${c.k} max_iter=${c.max_iter}`;
    test(label, async () => {
      const gm = await fitCase(f, c);
      // One EM step is pure arithmetic: tight. Full fits amplify float32 rounding a little.
      const tol = c.max_iter === 1 ? 2e-6 : 1e-5;
      assert.is(gm.nIter, c.n_iter_, 'n_iter_');
      assert.is(gm.converged, c.converged_, 'converged_');
      assert.ok(Math.abs(gm.lowerBound - c.lower_bound_) <= 1e-6 * Math.abs(c.lower_bound_) + 1e-9, `lower_bound_ ${gm.lowerBound} vs ${c.lower_bound_}`);
      assert.ok(relErr(gm.weights, c.weights_) < tol, 'weights_');
      assert.ok(relErr(gm.means.data, c.means_) < tol, 'means_');
      assert.ok(relErr(gm.covariances, c.covariances_) < 10 * tol, `covariances_ ${relErr(gm.covariances, c.covariances_)}`);
      assert.ok(relErr(gm.precisionsCholesky, c.precisions_cholesky_) < 10 * tol, 'precisions_cholesky_');
      assert.ok(relErr(gm.precisions, c.precisions_) < 10 * tol, 'precisions_');
      const score = await gm.score(f.X);
      assert.ok(Math.abs(score - c.score) <= 1e-6 * Math.abs(c.score) + 1e-9, `score ${score} vs ${c.score}`);
      // Per-sample log densities carry the float32 rounding of ‖(x−μ)·U‖² (iris' correlated features: ~3e-5).
      assert.ok(relErr(await gm.scoreSamples(f.X), c.score_samples) < 1e-4, 'score_samples');
      assert.equal(Array.from(await gm.predict(f.X)), c.predict, 'predict');
      const proba = await gm.predictProba(f.X.slice(0, 20));
      assert.ok(relErr(proba.data, c.predict_proba_first20) < 1e-5, 'predict_proba');
      assert.is(gm.nParameters(), c.n_parameters);
      const bic = await gm.bic(f.X);
      const aic = await gm.aic(f.X);
      assert.ok(Math.abs(bic - c.bic) <= 1e-6 * Math.abs(c.bic), `bic ${bic} vs ${c.bic}`);
      assert.ok(Math.abs(aic - c.aic) <= 1e-6 * Math.abs(c.aic), `aic ${aic} vs ${c.aic}`);
    });
  }
}

// The fixtures' initial parameters are scikit-learn's own K-Means start for random_state=0 (see its README): a fit
// given only randomState: 0 must draw the same start (numpy's RandomState) and end where scikit-learn ended.
for (const name of ['gmm_iris', 'gmm_blobs2d', 'gmm_blobs10d']) {
  const f = load(name);
  test(`${name}: randomState 0 alone starts where scikit-learn's random_state=0 starts (every full-fit case)`, async () => {
    for (const c of f.cases.filter((c) => c.max_iter > 1)) {
      const gm = await new GaussianMixture({ nComponents: c.k, covarianceType: c.covariance_type, randomState: 0, onWarning: () => {} }).fit(f.X);
      const label = `${c.covariance_type} k=${c.k}`;
      assert.is(gm.nIter, c.n_iter_, `${label} n_iter_`);
      assert.ok(Math.abs(gm.lowerBound - c.lower_bound_) <= 1e-6 * Math.abs(c.lower_bound_), `${label} lower_bound_ ${gm.lowerBound} vs ${c.lower_bound_}`);
      assert.equal(Array.from(await gm.predict(f.X)), c.predict, `${label} predict`);
    }
  });
}

// scikit-learn users pass weights_init/means_init/precisions_init as nested arrays of its shapes ((K, d, d) full,
// (d, d) tied, (K, d) diag, (K,) spherical): the fixtures hold exactly what scikit-learn was given.
test('a fit from scikit-learn\'s own nested weights_init / means_init / precisions_init (every type)', async () => {
  const f = load('gmm_iris');
  const bits = (gm) => [gm.nIter, gm.lowerBound, Array.from(gm.means.data), Array.from(gm.covariances)].join('|');
  for (const c of f.cases.filter((c) => c.max_iter > 1)) {
    const opts = { nComponents: c.k, covarianceType: c.covariance_type, tol: c.tol, regCovar: c.reg_covar, maxIter: c.max_iter, onWarning: () => {} };
    const nested = await new GaussianMixture({ ...opts, weightsInit: c.weights_init, meansInit: c.means_init, precisionsInit: c.precisions_init }).fit(f.X);
    const flatStart = await new GaussianMixture({ ...opts, weightsInit: c.weights_init, meansInit: c.means_init, precisionsInit: flat(c.precisions_init) }).fit(f.X);
    const label = `${c.covariance_type} k=${c.k}`;
    assert.is(bits(nested), bits(flatStart), `${label}: nested and flat give the same fit`);
    assert.is(nested.nIter, c.n_iter_, `${label} n_iter_`);
    assert.ok(Math.abs(nested.lowerBound - c.lower_bound_) <= 1e-6 * Math.abs(c.lower_bound_), `${label} lower_bound_`);
  }
});

test('precisionsInit of the wrong nested shape names the expected shape', async () => {
  const f = load('gmm_iris');
  const c = f.cases.find((c) => c.covariance_type === 'full' && c.k === 3);
  const bad = c.precisions_init.map((P) => P.slice(0, 3)); // (3, 3, 4) instead of (3, 4, 4)
  const err = await new GaussianMixture({ nComponents: 3, weightsInit: c.weights_init, meansInit: c.means_init, precisionsInit: bad }).fit(f.X).catch((e) => e);
  assert.is(err.code, 'ESHAPE');
  assert.match(err.message, /precisionsInit.*\[0\] has 3 entries, not 4; expected shape \(3, 4, 4\)/);
  const tied = await new GaussianMixture({ nComponents: 3, covarianceType: 'tied', precisionsInit: c.precisions_init }).fit(f.X).catch((e) => e);
  assert.is(tied.code, 'ESHAPE');
  assert.match(tied.message, /expected shape \(4, 4\)/);
  const weights = await new GaussianMixture({ nComponents: 3, weightsInit: [0.5, 0.5] }).fit(f.X).catch((e) => e);
  assert.match(weights.message, /weightsInit has 2 values; expected shape \(3\)/);
});

test('a seeded fit is bit-identical with 1, 2 and 3 workers', async () => {
  const f = load('gmm_blobs10d');
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const runs = [];
  for (const workers of [1, 2, 3]) {
    const pool = await Pool.create({ workers });
    try {
      // Many rows so that the data spans several chunks.
      const X = Array.from({ length: 200 }, () => f.X).flat(); // 60000 × 10: three chunks
      const gm = await new GaussianMixture({ nComponents: 5, covarianceType: 'full', randomState: 7, initParams: 'random_from_data', pool, onWarning: () => {} }).fit(X);
      runs.push([bytes(gm.means.data), bytes(gm.covariances), gm.lowerBound, gm.nIter].join('|'));
    } finally {
      pool.close();
    }
  }
  assert.is(runs[1], runs[0]);
  assert.is(runs[2], runs[0]);
});

test.after(() => shutdown());
test.run();
