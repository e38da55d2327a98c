// Pixel-space likelihood of an image model (PCA + mixture + PPCA residual) against a slow dense reference:
// each component's full D × D covariance Wᵀ·Σ_k·W + σ²·(I − WᵀW) and mean μ + Wᵀ·m_k, in JS float64.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GaussianMixture, ImageModel, Matrix, PCA, shutdown } from '../dist/index.js';
import { refCholesky, rejects, rng } from './helpers/util.mjs';

const quiet = { onWarning: () => {} };

const gauss = (r) => () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const D = 12;
const g99 = gauss(rng(99));
const basis = Array.from({ length: 3 }, () => Array.from({ length: D }, g99));

/** n images of 4×3 pixels: three clusters on one 3-D subspace, plus pixel noise of sd 0.05. */
function images(n, seed = 1) {
  const g = gauss(rng(seed));
  const X = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const h = [0.4 * g() + 3 * c, 0.4 * g() * (1 + c) + (c === 1 ? 3 : 0), 0.4 * g()];
    for (let j = 0; j < D; j++) X[i * D + j] = 0.5 + 0.1 * (h[0] * basis[0][j] + h[1] * basis[1][j] + h[2] * basis[2][j]) + 0.05 * g();
  }
  return new Matrix(n, D, X);
}

/** log N(x; m, C) by Cholesky, float64. */
function logNormal(x, m, C, D) {
  const L = refCholesky(C, D);
  const y = new Float64Array(D);
  let q = 0;
  let logdet = 0;
  for (let i = 0; i < D; i++) {
    let s = x[i] - m[i];
    for (let t = 0; t < i; t++) s -= L[i * D + t] * y[t];
    y[i] = s / L[i * D + i];
    q += y[i] * y[i];
    logdet += 2 * Math.log(L[i * D + i]);
  }
  return -0.5 * (D * Math.log(2 * Math.PI) + logdet + q);
}

/** The component covariance Σ_k (k × k) of any covariance type, from the fitted mixture. */
function componentCov(gm, c, k) {
  const cov = gm.covariances;
  const S = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      if (gm.covarianceType === 'full') S[i * k + j] = cov[c * k * k + i * k + j];
      else if (gm.covarianceType === 'tied') S[i * k + j] = cov[i * k + j];
      else if (i === j) S[i * k + j] = gm.covarianceType === 'diag' ? cov[c * k + i] : cov[c];
    }
  return S;
}

/** The dense reference: log Σ_k π_k N(x; μ + WᵀA m_k, WᵀA Σ_k A W + σ²(I − WᵀW)), A = diag(√ev) when whitened. */
function denseLogDensity(pca, gm, X) {
  const [k, D, s2] = [pca.nComponentsFitted, pca.mean.length, pca.noiseVariance];
  const W = pca.components.data;
  const a = Array.from(pca.explainedVariance, (v) => (pca.whiten ? Math.sqrt(v) : 1));
  const comps = Array.from({ length: gm.nComponents }, (_, c) => {
    const S = componentCov(gm, c, k);
    const mean = Array.from(pca.mean);
    const C = new Float64Array(D * D);
    for (let p = 0; p < D; p++) {
      for (let i = 0; i < k; i++) mean[p] += W[i * D + p] * a[i] * gm.means.get(c, i);
      for (let q = 0; q < D; q++) {
        let v = 0;
        let proj = 0;
        for (let i = 0; i < k; i++) {
          proj += W[i * D + p] * W[i * D + q];
          for (let j = 0; j < k; j++) v += W[i * D + p] * a[i] * S[i * k + j] * a[j] * W[j * D + q];
        }
        C[p * D + q] = v + s2 * ((p === q ? 1 : 0) - proj);
      }
    }
    return { mean, C, logw: Math.log(gm.weights[c]) };
  });
  return Array.from({ length: X.rows }, (_, i) => {
    const x = Array.from(X.row(i));
    const terms = comps.map((c) => c.logw + logNormal(x, c.mean, c.C, D));
    const top = Math.max(...terms);
    return top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0));
  });
}

async function model({ k, type, whiten = false, n = 300 }) {
  const X = images(n);
  const pca = await new PCA({ nComponents: k, whiten, svdSolver: 'full' }).fit(X);
  const gm = await new GaussianMixture({ nComponents: 3, covarianceType: type, randomState: 0, ...quiet }).fit(await pca.transform(X));
  return new ImageModel({ width: 4, height: 3, channels: 1 }, pca, gm);
}

for (const [type, whiten] of [['full', false], ['diag', false], ['tied', false], ['spherical', false], ['full', true]])
  test(`pixel-space log-likelihood = the dense D × D reference (${type}${whiten ? ', whitened PCA' : ''})`, async () => {
    const m = await model({ k: 4, type, whiten });
    assert.ok(m.pca.noiseVariance > 0);
    const held = images(50, 7);
    const got = await m.scoreSamples(held);
    const want = denseLogDensity(m.pca, m.gmm, held);
    assert.ok(got.residual);
    want.forEach((w, i) => assert.ok(Math.abs(got.logLikelihood[i] - w) < 1e-4 * Math.abs(w) + 2e-3, `image ${i}: ${got.logLikelihood[i]} vs ${w}`));
    got.perPixel.forEach((v, i) => assert.ok(Math.abs(v - got.logLikelihood[i] / 12) < 1e-12));
    const s = await m.score(held);
    assert.is(s.n, 50);
    assert.ok(Math.abs(s.logLikelihoodPerPixel - want.reduce((a, b) => a + b, 0) / 50 / 12) < 2e-4);
  });

test('a PCA that keeps all D directions: no residual term, the mixture density of the rotated pixels', async () => {
  const m = await model({ k: 12, type: 'full' });
  assert.is(m.pca.noiseVariance, 0);
  const held = images(40, 9);
  const got = await m.scoreSamples(held);
  assert.is(got.residual, false);
  const want = denseLogDensity(m.pca, m.gmm, held);
  want.forEach((w, i) => assert.ok(Math.abs(got.logLikelihood[i] - w) < 1e-4 * Math.abs(w) + 2e-3, `image ${i}: ${got.logLikelihood[i]} vs ${w}`));
});

test('the pixel density beats the PCA-only (one Gaussian) PPCA score on clustered images, and equals it for k = 1', async () => {
  const X = images(300);
  const held = images(60, 3);
  const pca = await new PCA({ nComponents: 4, svdSolver: 'full' }).fit(X);
  const one = new ImageModel({ width: 4, height: 3, channels: 1 }, pca, await new GaussianMixture({ nComponents: 1, ...quiet }).fit(await pca.transform(X)));
  const three = await model({ k: 4, type: 'full' });
  const ppca = await pca.score(held);
  // One Gaussian on the PCA scores is PPCA up to the mixture's covariance of the training scores (ddof 0, reg).
  assert.ok(Math.abs((await one.score(held)).logLikelihoodPerImage - ppca) < 0.02, `${(await one.score(held)).logLikelihoodPerImage} vs ${ppca}`);
  const mix = (await three.score(held)).logLikelihoodPerImage;
  assert.ok(mix > ppca + 0.5, `mixture ${mix} vs PPCA ${ppca}`);
});

test('a PCA with noise variance 0 but fewer than D components is an error that says what to do', async () => {
  const m = await model({ k: 10, type: 'diag', n: 10 }); // 10 images span 9 directions: σ² = 0
  assert.is(m.pca.noiseVariance, 0);
  const err = await rejects(() => m.scoreSamples(images(5, 2)), /noise variance 0.*fit the PCA with fewer components/);
  assert.is(err.code, 'EINPUT');
  await rejects(() => m.scoreSamples(new Matrix(2, 5, new Float32Array(10))), /columns|values/);
});

test.after(shutdown);
test.run();
