// The per-covariance-type mathematics of a Gaussian mixture (scikit-learn's _estimate_gaussian_covariances_*,
// _compute_precision_cholesky and _n_parameters), in float64 on the calling thread. The EM loop itself is
// written once, in em.ts.
import type { Engine } from '../engine.js';
import { GaussfaceError } from '../errors.js';
import { sumParts } from '../fitdata.js';
import type { ChunkStats, EStepParams } from '../tasks/mixture.js';

export type CovarianceType = 'full' | 'tied' | 'diag' | 'spherical';
export const COVARIANCE_TYPES: readonly CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];

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
  const cov = { full: (K * d * (d + 1)) / 2, tied: (d * (d + 1)) / 2, diag: K * d, spherical: K }[type];
  return cov + K * d + K - 1;
}

/** Length of the covariance array for a type. */
export function covarianceSize(type: CovarianceType, K: number, d: number): number {
  return { full: K * d * d, tied: d * d, diag: K * d, spherical: K }[type];
}

const collapsed = (detail: string) =>
  new GaussfaceError(
    `Fitting the mixture model failed because some components have ill-defined empirical covariance (${detail}). ` +
      'Try to decrease the number of components, or increase regCovar, or scale the input data.',
    'ECOLLAPSE',
  );

/** Sums per-chunk statistics in chunk order (the order that makes results independent of the worker count). */
export function reduceStats(parts: ChunkStats[], engine: Engine): ChunkStats {
  return {
    loglik: parts.reduce((t, p) => t + p.loglik, 0),
    nk: sumParts(parts.map((p) => p.nk), engine),
    sx: sumParts(parts.map((p) => p.sx), engine),
    s2: sumParts(parts.map((p) => p.s2), engine),
  };
}

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
  let covariances: Float64Array;
  if (type === 'full' || type === 'tied') {
    const full = new Float64Array(K * d * d);
    for (let k = 0; k < K; k++) {
      const o = k * d * d;
      const scale = type === 'full' ? nk[k] : total;
      for (let i = 0; i < d; i++)
        for (let j = 0; j <= i; j++) {
          const v = (st.s2[o + i * d + j] - nk[k] * delta[k * d + i] * delta[k * d + j]) / scale;
          full[o + i * d + j] = full[o + j * d + i] = v;
        }
    }
    if (type === 'full') covariances = full;
    else {
      covariances = new Float64Array(d * d);
      for (let k = 0; k < K; k++) for (let i = 0; i < d * d; i++) covariances[i] += full[k * d * d + i];
    }
    for (let b = 0; b < covariances.length / (d * d); b++) for (let i = 0; i < d; i++) covariances[b * d * d + i * d + i] += reg;
  } else {
    const diag = new Float64Array(K * d);
    for (let i = 0; i < K * d; i++) diag[i] = st.s2[i] / nk[Math.floor(i / d)] - delta[i] * delta[i] + reg;
    if (type === 'diag') covariances = diag;
    else {
      covariances = new Float64Array(K);
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += diag[k * d + j];
        covariances[k] = s / d;
      }
    }
  }
  return { weights, means, covariances, precisionsCholesky: precisionCholesky(engine, type, K, d, covariances) };
}

/** F with Σ⁻¹ = F·Fᵀ from covariances; a non-positive-definite Σ is a collapsed component. */
export function precisionCholesky(engine: Engine, type: CovarianceType, K: number, d: number, cov: Float64Array): Float64Array {
  if (type === 'diag' || type === 'spherical') {
    const bad = cov.findIndex((v) => !(v > 0));
    if (bad >= 0) throw collapsed(`variance ${cov[bad]} in component ${type === 'diag' ? Math.floor(bad / d) : bad}`);
    return cov.map((v) => 1 / Math.sqrt(v));
  }
  const blocks = type === 'full' ? K : 1;
  return engine.scoped((take) => {
    const a = take(d * d * 8);
    const f = take(d * d * 8);
    const out = new Float64Array(blocks * d * d);
    for (let k = 0; k < blocks; k++) {
      engine.f64(a, d * d).set(cov.subarray(k * d * d, (k + 1) * d * d));
      const code = engine.call('chol_precision', d, a, d, f, d);
      if (code !== 0) throw collapsed(`component ${k}, pivot ${code - 1}`);
      out.set(engine.f64(f, d * d), k * d * d);
    }
    return out;
  });
}

/** Precision factor from user-given precisions (scikit-learn: the lower Cholesky factor of P). */
export function factorFromPrecisions(engine: Engine, type: CovarianceType, K: number, d: number, prec: Float64Array): Float64Array {
  if (type === 'diag' || type === 'spherical') {
    if (prec.some((v) => !(v > 0))) throw new GaussfaceError('precisionsInit must be positive', 'EINPUT');
    return prec.map(Math.sqrt);
  }
  const blocks = type === 'full' ? K : 1;
  return engine.scoped((take) => {
    const a = take(d * d * 8);
    const out = new Float64Array(blocks * d * d);
    for (let k = 0; k < blocks; k++) {
      const av = engine.f64(a, d * d);
      av.set(prec.subarray(k * d * d, (k + 1) * d * d));
      if (engine.call('chol', d, a, d) !== 0)
        throw new GaussfaceError(`precisionsInit[${k}] is not symmetric positive definite`, 'EINPUT');
      const l = engine.f64(a, d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) out[k * d * d + i * d + j] = l[i * d + j];
    }
    return out;
  });
}

/** Precisions Σ⁻¹ = F·Fᵀ (full/tied) or F² (diag/spherical). */
export function precisionsFrom(type: CovarianceType, K: number, d: number, f: Float64Array): Float64Array {
  if (type === 'diag' || type === 'spherical') return f.map((v) => v * v);
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

/** Natural log of every value, computed by the engine (bit-identical in every runtime, unlike Math.log). */
export function engineLog(engine: Engine, x: Float64Array): Float64Array {
  return engine.scoped((take) => {
    const p = take(Math.max(1, x.length) * 8);
    engine.f64(p, x.length).set(x);
    engine.call('log_f64', x.length, p, p);
    return engine.f64(p, x.length).slice();
  });
}

/** Σ log diag(F) per component: the log-determinant term of log N. */
function logDetFactor(engine: Engine, type: CovarianceType, K: number, d: number, f: Float64Array): Float64Array {
  const diag = new Float64Array(K * d);
  for (let k = 0; k < K; k++)
    for (let j = 0; j < d; j++)
      diag[k * d + j] =
        type === 'full' ? f[k * d * d + j * (d + 1)] : type === 'tied' ? f[j * (d + 1)] : type === 'diag' ? f[k * d + j] : f[k];
  const logs = engineLog(engine, diag);
  const out = new Float64Array(K);
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) out[k] += logs[k * d + j];
  return out;
}

/** The E-step's view of the parameters: float32 factors in the engine's layout, log constants in f64. */
export function eStepParams(engine: Engine, type: CovarianceType, K: number, d: number, p: MixtureParams): EStepParams {
  const dense = type === 'full' || type === 'tied';
  const f = p.precisionsCholesky;
  const factors = dense
    ? Float32Array.from(f)
    : Float32Array.from({ length: K * d }, (_, i) => (type === 'diag' ? f[i] : f[Math.floor(i / d)]) ** 2);
  const logDet = logDetFactor(engine, type, K, d, f);
  return {
    kind: dense ? 'dense' : 'diag',
    K,
    d,
    means: Float32Array.from(p.means),
    factors,
    upper: !p.lowerFactor,
    logConst: logDet.map((v) => v - 0.5 * d * LOG_2PI),
    logWeights: engineLog(engine, p.weights),
  };
}
