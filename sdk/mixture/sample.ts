// Drawing samples from a fitted mixture: component counts from the weights, then μ + √t·L·z per sample.
import type { Engine } from '../engine.js';
import { GaussfaceError } from '../errors.js';
import { choleskyLower, gemm } from '../local-maths.js';
import { Matrix } from '../matrix.js';
import type { Random } from '../random.js';
import { COVARIANCE, diagonalIndex, type CovarianceType, type MixtureParams } from './covariance.js';

/** Lower Cholesky factor (f32) of one d × d covariance block. */
function cholFactor(engine: Engine, cov: Float64Array, d: number): Float32Array {
  const l = choleskyLower(engine, cov, d);
  if (!l) throw new GaussfaceError('a covariance is not positive definite; refit with a larger regCovar', 'ECOLLAPSE');
  return Float32Array.from(l);
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
  const spec = COVARIANCE[type];
  const factors = new Map<number, Float32Array>(); // per stored block: tied factors its one block once
  const factorOf = (k: number) => {
    const b = spec.block(k);
    if (!factors.has(b)) factors.set(b, cholFactor(engine, p.covariances.subarray(b * d * d, (b + 1) * d * d), d));
    return factors.get(b)!;
  };
  for (let k = 0; k < K; k++) {
    const m = counts[k];
    if (!m) continue;
    const z = rng.normal(engine, m * d);
    let y: Float32Array;
    if (spec.kind === 'dense') {
      const L = factorOf(k);
      y = gemm(engine, z, m, d, L, d, { transB: true }); // rows z·Lᵀ ~ N(0, Σ)
    } else {
      y = z.map((v, i) => v * Math.sqrt(p.covariances[diagonalIndex(type, k, i % d, d)]));
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
