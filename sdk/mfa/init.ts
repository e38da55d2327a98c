// The starting point of MFA's EM: K-Means clusters, then in each cluster a PCA whose top q directions become the
// loadings (probabilistic PCA's maximum-likelihood Λ = V·(Λ_eig − σ²)^½, Tipping & Bishop 1999) and whose mean
// discarded variance becomes the noise. Seeded: the same seed gives the same start with any number of workers.
import { GaussfaceError } from '../errors.js';
import { KMeans } from '../kmeans.js';
import { Matrix } from '../matrix.js';
import { PCA } from '../pca.js';
import type { Pool } from '../pool.js';
import type { MfaParams } from './params.js';

export interface InitSettings {
  K: number;
  q: number;
  reg: number;
  randomState: number;
  pool: Pool;
  signal?: AbortSignal;
}

/**
 * Noise of a cluster whose PCA leaves (almost) nothing: a cluster of ≤ q + 1 images spans at most q directions,
 * so its discarded variance is 0 and Ψ = 0 would make its density infinite on its own rows. A hundredth of the
 * cluster's mean pixel variance keeps it finite and lets EM find its level.
 */
const MIN_NOISE_FRACTION = 1e-2;

/** Initial parameters from the rows X (n × D, the data or a sample of it). */
export async function initialMfaParams(X: Matrix<Float32Array>, s: InitSettings): Promise<MfaParams> {
  const { K, q, pool, signal } = s;
  const [n, D] = [X.rows, X.cols];
  const labels = K === 1 ? new Int32Array(n) : (await new KMeans({ nClusters: K, randomState: s.randomState, pool, signal, onWarning: () => {} }).fit(X)).labels;
  const members: number[][] = Array.from({ length: K }, () => []);
  labels.forEach((l, i) => members[l].push(i));
  const p: MfaParams = { weights: new Float64Array(K), means: new Float64Array(K * D), factors: new Float64Array(K * D * q), noise: new Float64Array(K * D) };
  for (let k = 0; k < K; k++) {
    const rows = members[k];
    if (rows.length < 2)
      throw new GaussfaceError(
        `K-Means found a cluster of ${rows.length} sample${rows.length === 1 ? '' : 's'} among ${n}: too few to start component ${k}; decrease nComponents`,
        'ECOLLAPSE',
      );
    const data = new Float32Array(rows.length * D);
    rows.forEach((src, i) => data.set(X.row(src), i * D));
    const r = Math.min(q, rows.length - 1);
    const pca = await new PCA({ nComponents: r, svdSolver: D > 500 ? 'randomized' : 'full', randomState: s.randomState, pool, signal }).fit(new Matrix(rows.length, D, data));
    const ev = pca.explainedVariance;
    // Probabilistic PCA's σ² spreads the discarded variance over all D − r directions (PCA's noiseVariance divides
    // by min(n, D) − r, which is far too large when the cluster has fewer images than pixels).
    const total = ev[0] > 0 ? ev[0] / pca.explainedVarianceRatio[0] : 0;
    const kept = ev.reduce((a, b) => a + b, 0);
    const sigma2 = Math.max((total - kept) / (D - r), (MIN_NOISE_FRACTION * total) / D, s.reg);
    const V = pca.components.data;
    for (let a = 0; a < r; a++) {
      const scale = Math.sqrt(Math.max(ev[a] - sigma2, 0));
      for (let j = 0; j < D; j++) p.factors[(k * D + j) * q + a] = V[a * D + j] * scale;
    }
    p.means.set(pca.mean, k * D);
    p.noise.fill(sigma2, k * D, (k + 1) * D);
    p.weights[k] = rows.length / n;
  }
  return p;
}
