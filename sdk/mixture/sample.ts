// Drawing samples from a fitted mixture: component counts from the weights, then μ + √t·L·z per sample.
import type { Engine } from '../engine.js';
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';
import type { Random } from '../random.js';
import type { CovarianceType, MixtureParams } from './covariance.js';

/** Lower Cholesky factor (f32) of one d × d covariance block. */
function cholFactor(engine: Engine, cov: Float64Array, d: number): Float32Array {
  return engine.scoped((take) => {
    const a = take(d * d * 8);
    engine.f64(a, d * d).set(cov);
    if (engine.call('chol', d, a, d) !== 0) throw new GaussfaceError('a covariance is not positive definite; refit with a larger regCovar', 'ECOLLAPSE');
    const l = engine.f64(a, d * d);
    const out = new Float32Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) out[i * d + j] = l[i * d + j];
    return out;
  });
}

/**
 * n samples, grouped by component (scikit-learn's order) or shuffled. `temperature` multiplies every
 * covariance: the spread of the samples scales by its square root.
 */
export function sampleMixture(engine: Engine, rng: Random, type: CovarianceType, p: MixtureParams, d: number, n: number, temperature: number, shuffle: boolean) {
  const K = p.weights.length;
  const counts = componentCounts(engine, rng, p.weights, n);
  const X = new Float64Array(n * d);
  const labels = new Int32Array(n);
  const scale = Math.sqrt(temperature);
  let row = 0;
  const tied = type === 'tied' ? cholFactor(engine, p.covariances, d) : undefined;
  for (let k = 0; k < K; k++) {
    const m = counts[k];
    if (!m) continue;
    const z = rng.normal(engine, m * d);
    let y: Float32Array;
    if (type === 'full' || type === 'tied') {
      const L = tied ?? cholFactor(engine, p.covariances.subarray(k * d * d, (k + 1) * d * d), d);
      y = engine.scoped((take) => {
        const [zp, lp, yp] = [take(m * d * 4), take(d * d * 4), take(m * d * 4)];
        engine.f32(zp, m * d).set(z);
        engine.f32(lp, d * d).set(L);
        engine.call('gemm', 0, 1, m, d, d, 1, zp, d, lp, d, 0, yp, d); // rows z·Lᵀ ~ N(0, Σ)
        return engine.f32(yp, m * d).slice();
      });
    } else {
      y = z.map((v, i) => v * Math.sqrt(type === 'diag' ? p.covariances[k * d + (i % d)] : p.covariances[k]));
    }
    for (let i = 0; i < m; i++, row++) {
      labels[row] = k;
      for (let j = 0; j < d; j++) X[row * d + j] = p.means[k * d + j] + scale * y[i * d + j];
    }
  }
  return shuffle ? shuffled(engine, rng, X, labels, d) : { X: new Matrix(n, d, X), labels };
}

/** How many of n samples come from each component: n uniform draws against the cumulative weights. */
export function componentCounts(engine: Engine, rng: Random, weights: Float64Array, n: number): Int32Array {
  const K = weights.length;
  const counts = new Int32Array(K);
  const cum = new Float64Array(K);
  weights.reduce((s, w, k) => (cum[k] = s + w), 0);
  for (const u of rng.uniform(engine, n)) {
    let k = 0;
    while (k < K - 1 && u * cum[K - 1] >= cum[k]) k++;
    counts[k]++;
  }
  return counts;
}

/** Samples grouped by component (n × d rows and their labels), put in a random order. */
export function shuffled(engine: Engine, rng: Random, X: Float64Array, labels: Int32Array, d: number): { X: Matrix<Float64Array>; labels: Int32Array } {
  const n = labels.length;
  const perm = rng.permutation(engine, n);
  const Xs = new Float64Array(n * d);
  const ls = new Int32Array(n);
  perm.forEach((src, i) => {
    Xs.set(X.subarray(src * d, (src + 1) * d), i * d);
    ls[i] = labels[src];
  });
  return { X: new Matrix(n, d, Xs), labels: ls };
}
