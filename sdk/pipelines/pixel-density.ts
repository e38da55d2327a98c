// The density an image model (PCA + mixture) defines in pixel space: probabilistic PCA's isotropic residual
// variance σ² (PCA's noiseVariance, the mean of the discarded eigenvalues) on the D − k directions the PCA
// discards, the mixture on the k it keeps. With orthonormal components the two parts are independent and no
// Jacobian appears: log p(x) = log p_mix(z) + log N(r; 0, σ²·I_{D−k}), z = W(x − μ), ‖r‖² = ‖x − μ‖² − ‖z‖².
// A whitened PCA feeds the mixture z/√ev, so its density gains −½·Σ log ev.
import { GaussfaceError } from '../errors.js';
import { uploadForFit } from '../fitdata.js';
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';
import type { GaussianMixture } from '../mixture/gmm.js';
import { transpose32, type PCA } from '../pca.js';
import { getPool, type Pool } from '../pool.js';
import type { ScoreParams } from '../tasks/pca.js';
import { tasks } from '../tasks/index.js';

/** Log-likelihoods of images under an image model. */
export interface PixelScores {
  /** log p(x) of each image, in nats. */
  logLikelihood: Float64Array;
  /** The same divided by the number of values per image (pixels × channels): nats per pixel. */
  perPixel: Float64Array;
  /** Whether the density has a residual term (false when the PCA keeps every one of the D directions). */
  residual: boolean;
}

/**
 * log p(x) of each row of X (values in the model's pixel scale, [0, 1]) under PCA + mixture in pixel space.
 * A PCA that kept every direction of its training data but fewer than D (noise variance 0) gives no density.
 */
export async function pixelLogDensity(pca: PCA, gmm: GaussianMixture, X: MatrixLike, opts: { pool?: Pool; signal?: AbortSignal } = {}): Promise<PixelScores> {
  const [k, D, s2] = [pca.nComponentsFitted, pca.mean.length, pca.noiseVariance];
  const residual = k < D;
  if (residual && !(s2 > 0))
    throw new GaussfaceError(
      `the PCA kept all ${k} directions its training images span but the images have ${D} values: the ${D - k} others have variance 0 (noise variance 0), so there is no density in pixel space; fit the PCA with fewer components (below ${k})`,
      'EINPUT',
    );
  const m = asMatrix(X, 'images', { cols: D, minRows: 1 });
  const pool = opts.pool ?? (await getPool());
  const ds = await uploadForFit(pool, m.data, m.rows, D, 0, opts.signal);
  const W = transpose32(pca.components.data, k, D);
  const ev = pca.explainedVariance;
  const gather = <T extends Float32Array | Float64Array>(parts: T[], width: number, out: T) => {
    parts.forEach((p, i) => out.set(p, ds.chunkRange(i)[0] * width));
    return out;
  };
  try {
    const scale = pca.whiten ? ev.map((v) => 1 / Math.sqrt(v)) : undefined;
    const z = gather(await pool.map(tasks.pca.transform, ds, { mean: pca.mean, W, k, scale }, { signal: opts.signal }), k, new Float32Array(m.rows * k));
    const logp = await gmm.scoreSamples(new Matrix(m.rows, k, z));
    let c = 0;
    if (pca.whiten) for (const v of ev) c -= 0.5 * Math.log(v);
    if (residual) {
      // The PPCA task with no weight on the kept directions: −½·((D − k)·log 2πσ² + ‖r‖²/σ²).
      const params: ScoreParams = { mean: pca.mean, W, k, a: new Float64Array(k), b: 1 / s2, c0: -0.5 * (D - k) * Math.log(2 * Math.PI * s2) };
      const r = gather(await pool.map(tasks.pca.scoreSamples, ds, params, { signal: opts.signal }), 1, new Float64Array(m.rows));
      for (let i = 0; i < m.rows; i++) logp[i] += r[i];
    }
    if (c) for (let i = 0; i < m.rows; i++) logp[i] += c;
    return { logLikelihood: logp, perPixel: logp.map((v) => v / D), residual };
  } finally {
    await pool.release(ds);
  }
}
