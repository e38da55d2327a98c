// The per-covariance-type mathematics of a Gaussian mixture (scikit-learn's _estimate_gaussian_covariances_*,
// _compute_precision_cholesky and _n_parameters), in float64 on the calling thread. The EM loop itself is
// written once, in em.ts.
import type { Engine } from '../engine.js';
import { GaussfaceError } from '../errors.js';
import { sumStats } from '../fitdata.js';
import { choleskyLower, logF64, precisionFactor } from '../local-maths.js';
import type { ChunkStats, EStepParams } from '../tasks/mixture.js';

export type CovarianceType = 'full' | 'tied' | 'diag' | 'spherical';

/**
 * Everything that differs between the covariance types, in one table: every other place asks it instead of
 * comparing type names (scikit-learn spreads the same facts over per-type functions).
 */
export interface CovarianceSpec {
  /** How the E-step and the scatter sums see it: d × d precision factors, or one precision per feature. */
  kind: 'dense' | 'diag';
  /** scikit-learn's shape of covariances_, precisions_ and precisions_cholesky_. */
  shape(K: number, d: number): number[];
  /** Free covariance parameters (BIC/AIC). */
  freeParameters(K: number, d: number): number;
  /** Which stored block holds component k's covariance or variances (tied: 0, the shared one; others: k). */
  block(k: number): number;
  /** Values stored per block: d × d (dense), d (diag) or 1 (spherical, the mean of the d variances). */
  blockSize(d: number): number;
  /** Whether a block's M-step statistics are divided by the component's count or by the total count (tied). */
  pooled: boolean;
}

export const COVARIANCE: Readonly<Record<CovarianceType, CovarianceSpec>> = {
  full: { kind: 'dense', shape: (K, d) => [K, d, d], freeParameters: (K, d) => (K * d * (d + 1)) / 2, block: (k) => k, blockSize: (d) => d * d, pooled: false },
  tied: { kind: 'dense', shape: (_, d) => [d, d], freeParameters: (_, d) => (d * (d + 1)) / 2, block: () => 0, blockSize: (d) => d * d, pooled: true },
  diag: { kind: 'diag', shape: (K, d) => [K, d], freeParameters: (K, d) => K * d, block: (k) => k, blockSize: (d) => d, pooled: false },
  spherical: { kind: 'diag', shape: (K) => [K], freeParameters: (K) => K, block: (k) => k, blockSize: () => 1, pooled: false },
};
export const COVARIANCE_TYPES = Object.keys(COVARIANCE) as readonly CovarianceType[];

/** Index of Σ_k[j][j] (or of the factor's diagonal entry) in a flat array of `type`'s layout. */
export function diagonalIndex(type: CovarianceType, k: number, j: number, d: number): number {
  const t = COVARIANCE[type];
  const size = t.blockSize(d);
  return t.block(k) * size + (t.kind === 'dense' ? j * (d + 1) : Math.min(j, size - 1));
}

/** Mixture parameters in float64, scikit-learn's layout (covariances: K·d·d, d·d, K·d or K values). */
export interface MixtureParams {
  weights: Float64Array;
  means: Float64Array;
  covariances: Float64Array;
  /** Precision factor F with Σ⁻¹ = F·Fᵀ (full/tied: upper-triangular d × d blocks; diag/spherical: 1/σ). */
  precisionsCholesky: Float64Array;
  /** Set when F is lower triangular instead (the Cholesky factor of user-given precisions). */
  lowerFactor?: boolean;
}

export const LOG_2PI = 1.8378770664093453; // log(2π), a literal so that no runtime's Math.log is involved
const EPS10 = 10 * 2.220446049250313e-16;

/** Number of free parameters (BIC/AIC), as scikit-learn counts them. */
export function nParameters(type: CovarianceType, K: number, d: number): number {
  return COVARIANCE[type].freeParameters(K, d) + K * d + K - 1;
}

/** Length of the covariance array for a type. */
export function covarianceSize(type: CovarianceType, K: number, d: number): number {
  return COVARIANCE[type].shape(K, d).reduce((a, b) => a * b, 1);
}

const collapsed = (detail: string) =>
  new GaussfaceError(
    `Fitting the mixture model failed because some components have ill-defined empirical covariance (${detail}). ` +
      'Try to decrease the number of components, or increase regCovar, or scale the input data.',
    'ECOLLAPSE',
  );

/** Sums per-chunk statistics in chunk order (the order that makes results independent of the worker count). */
export const reduceStats = (parts: ChunkStats[], engine: Engine): ChunkStats => sumStats(parts, engine);

/**
 * M-step: new parameters from statistics gathered around `shift` (the previous means, K × d):
 * Σ r(x−m)(x−m)ᵀ = Σ r(x−a)(x−a)ᵀ − N (m−a)(m−a)ᵀ, so only a small correction is subtracted.
 */
export function mStep(engine: Engine, type: CovarianceType, K: number, d: number, st: ChunkStats, shift: Float64Array, reg: number): MixtureParams {
  const nk = st.nk.map((v) => v + EPS10);
  const total = nk.reduce((a, b) => a + b, 0);
  const weights = nk.map((v) => v / total);
  const means = new Float64Array(K * d);
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) means[k * d + j] = st.sx[k * d + j] / nk[k];
  const delta = means.map((m, i) => m - shift[i]);
  const spec = COVARIANCE[type];
  const size = spec.blockSize(d);
  const covariances = new Float64Array(covarianceSize(type, K, d));
  if (spec.kind === 'dense') {
    // Each component's scatter over its own count (full) or the total count, summed into its block (tied).
    for (let k = 0; k < K; k++) {
      const [o, b] = [k * d * d, spec.block(k) * size];
      const scale = spec.pooled ? total : nk[k];
      for (let i = 0; i < d; i++)
        for (let j = 0; j <= i; j++) {
          const v = (st.s2[o + i * d + j] - nk[k] * delta[k * d + i] * delta[k * d + j]) / scale;
          covariances[b + i * d + j] += v;
          if (j < i) covariances[b + j * d + i] += v;
        }
    }
    for (let b = 0; b < covariances.length / size; b++) for (let i = 0; i < d; i++) covariances[b * size + i * d + i] += reg;
  } else {
    // Per-feature variances, averaged over each block's features (spherical keeps one per component).
    const per = d / size;
    for (let k = 0; k < K; k++)
      for (let c = 0; c < size; c++) {
        let s = 0;
        for (let j = c * per; j < (c + 1) * per; j++) s += st.s2[k * d + j] / nk[k] - delta[k * d + j] * delta[k * d + j] + reg;
        covariances[k * size + c] = per === 1 ? s : s / per;
      }
  }
  return { weights, means, covariances, precisionsCholesky: precisionCholesky(engine, type, K, d, covariances) };
}

/** F with Σ⁻¹ = F·Fᵀ from covariances; a non-positive-definite Σ is a collapsed component. */
export function precisionCholesky(engine: Engine, type: CovarianceType, K: number, d: number, cov: Float64Array): Float64Array {
  const spec = COVARIANCE[type];
  if (spec.kind === 'diag') {
    const bad = cov.findIndex((v) => !(v > 0));
    if (bad >= 0) throw collapsed(`variance ${cov[bad]} in component ${Math.floor(bad / spec.blockSize(d))}`);
    return cov.map((v) => 1 / Math.sqrt(v));
  }
  const out = new Float64Array(cov.length);
  for (let k = 0; k < cov.length / (d * d); k++) {
    const f = precisionFactor(engine, cov.subarray(k * d * d, (k + 1) * d * d), d);
    if (!(f instanceof Float64Array)) throw collapsed(`component ${k}, pivot ${f.pivot}`);
    out.set(f, k * d * d);
  }
  return out;
}

/** Precision factor from user-given precisions (scikit-learn: the lower Cholesky factor of P). */
export function factorFromPrecisions(engine: Engine, type: CovarianceType, K: number, d: number, prec: Float64Array): Float64Array {
  if (COVARIANCE[type].kind === 'diag') {
    if (prec.some((v) => !(v > 0))) throw new GaussfaceError('precisionsInit must be positive', 'EINPUT');
    return prec.map(Math.sqrt);
  }
  const out = new Float64Array(prec.length);
  for (let k = 0; k < prec.length / (d * d); k++) {
    const l = choleskyLower(engine, prec.subarray(k * d * d, (k + 1) * d * d), d);
    if (!l) throw new GaussfaceError(`precisionsInit[${k}] is not symmetric positive definite`, 'EINPUT');
    out.set(l, k * d * d);
  }
  return out;
}

/** Precisions Σ⁻¹ = F·Fᵀ (full/tied) or F² (diag/spherical). */
export function precisionsFrom(type: CovarianceType, K: number, d: number, f: Float64Array): Float64Array {
  if (COVARIANCE[type].kind === 'diag') return f.map((v) => v * v);
  const out = new Float64Array(f.length);
  for (let b = 0; b < f.length / (d * d); b++) {
    const o = b * d * d;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += f[o + i * d + t] * f[o + j * d + t];
        out[o + i * d + j] = s;
      }
  }
  return out;
}

/** Σ log diag(F) per component: the log-determinant term of log N. */
function logDetFactor(engine: Engine, type: CovarianceType, K: number, d: number, f: Float64Array): Float64Array {
  const diag = new Float64Array(K * d);
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) diag[k * d + j] = f[diagonalIndex(type, k, j, d)];
  const logs = logF64(engine, diag);
  const out = new Float64Array(K);
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) out[k] += logs[k * d + j];
  return out;
}

/** The E-step's view of the parameters: float32 factors in the engine's layout, log constants in f64. */
export function eStepParams(engine: Engine, type: CovarianceType, K: number, d: number, p: MixtureParams): EStepParams {
  const spec = COVARIANCE[type];
  const f = p.precisionsCholesky;
  const factors =
    spec.kind === 'dense'
      ? Float32Array.from(f)
      : Float32Array.from({ length: K * d }, (_, i) => f[diagonalIndex(type, Math.floor(i / d), i % d, d)] ** 2);
  const logDet = logDetFactor(engine, type, K, d, f);
  return {
    kind: spec.kind,
    K,
    d,
    shared: spec.pooled,
    means: Float32Array.from(p.means),
    factors,
    upper: !p.lowerFactor,
    logConst: logDet.map((v) => v - 0.5 * d * LOG_2PI),
    logWeights: logF64(engine, p.weights),
  };
}
