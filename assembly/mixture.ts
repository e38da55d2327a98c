// Per-sample pieces of the Gaussian-mixture E-step and M-step that are not GEMMs: centring, row norms and
// the diagonal-covariance distances. All f32 in, with f64 where a sum decides correctness.
import { sumsq } from "./blas";

/** W[i, :] = X[i, :] − mu (n × d, W dense with stride d). */
export function center_rows(n: i32, d: i32, X: usize, ldx: i32, mu: usize, W: usize): void {
  const d4 = d & ~3;
  for (let i = 0; i < n; i++) {
    const x = X + (<usize>i * <usize>ldx << 2);
    const w = W + (<usize>i * <usize>d << 2);
    let j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      v128.store(w + o, f32x4.sub(v128.load(x + o), v128.load(mu + o)));
    }
    for (; j < d; j++) {
      const o = <usize>j << 2;
      store<f32>(w + o, load<f32>(x + o) - load<f32>(mu + o));
    }
  }
}

/**
 * W[i, :] = sqrt(R[i, k]) · (X[i, :] − mu): the rows whose Gram matrix WᵀW is component k's weighted
 * scatter Σ r_ik (x_i − mu)(x_i − mu)ᵀ. R is n × ldr (responsibilities, f32).
 */
export function center_scale_rows(n: i32, d: i32, X: usize, ldx: i32, mu: usize, R: usize, ldr: i32, k: i32, W: usize): void {
  const d4 = d & ~3;
  for (let i = 0; i < n; i++) {
    const s = Mathf.sqrt(load<f32>(R + ((<usize>i * <usize>ldr + <usize>k) << 2)));
    const sv = f32x4.splat(s);
    const x = X + (<usize>i * <usize>ldx << 2);
    const w = W + (<usize>i * <usize>d << 2);
    let j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      v128.store(w + o, f32x4.mul(sv, f32x4.sub(v128.load(x + o), v128.load(mu + o))));
    }
    for (; j < d; j++) {
      const o = <usize>j << 2;
      store<f32>(w + o, s * (load<f32>(x + o) - load<f32>(mu + o)));
    }
  }
}

/** out[i · ldo] = Σ_j Y[i, j]² in f64 (n rows of a dense n × d matrix). */
export function row_sumsq(n: i32, d: i32, Y: usize, out: usize, ldo: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i * <usize>ldo << 3), sumsq(d, Y + (<usize>i * <usize>d << 2)));
}

/**
 * Diagonal-covariance Mahalanobis terms: out[i·K + k] = Σ_j (X[i,j] − mu[k,j])² · prec[k,j] in f64
 * (spherical covariances pass prec rows filled with one value).
 */
export function diag_maha(n: i32, d: i32, X: usize, ldx: i32, K: i32, mu: usize, prec: usize, out: usize): void {
  const d4 = d & ~3;
  for (let i = 0; i < n; i++) {
    const x = X + (<usize>i * <usize>ldx << 2);
    for (let k = 0; k < K; k++) {
      const m = mu + (<usize>k * <usize>d << 2);
      const p = prec + (<usize>k * <usize>d << 2);
      let acc = f32x4.splat(0);
      let j = 0;
      for (; j < d4; j += 4) {
        const o = <usize>j << 2;
        const t = f32x4.sub(v128.load(x + o), v128.load(m + o));
        acc = f32x4.add(acc, f32x4.mul(f32x4.mul(t, t), v128.load(p + o)));
      }
      let s: f64 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) +
        <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
      for (; j < d; j++) {
        const o = <usize>j << 2;
        const t = <f64>(load<f32>(x + o) - load<f32>(m + o));
        s += t * t * <f64>load<f32>(p + o);
      }
      store<f64>(out + ((<usize>i * <usize>K + <usize>k) << 3), s);
    }
  }
}

/**
 * Diagonal weighted scatter: S[k, j] += Σ_i R[i,k] · (X[i,j] − mu[k,j])² (f64 accumulators, K × d).
 */
export function diag_scatter(n: i32, d: i32, X: usize, ldx: i32, K: i32, mu: usize, R: usize, S: usize): void {
  for (let i = 0; i < n; i++) {
    const x = X + (<usize>i * <usize>ldx << 2);
    for (let k = 0; k < K; k++) {
      const r = <f64>load<f32>(R + ((<usize>i * <usize>K + <usize>k) << 2));
      if (r == 0) continue;
      const m = mu + (<usize>k * <usize>d << 2);
      const s = S + (<usize>k * <usize>d << 3);
      for (let j = 0; j < d; j++) {
        const t = <f64>(load<f32>(x + (<usize>j << 2)) - load<f32>(m + (<usize>j << 2)));
        store<f64>(s + (<usize>j << 3), load<f64>(s + (<usize>j << 3)) + r * t * t);
      }
    }
  }
}

/** log Σ_k exp(row[k] + logw[k]) in f64, stable; −Infinity when every term is −Infinity. */
function lse_row(K: i32, row: usize, logw: usize): f64 {
  let mx: f64 = -Infinity;
  for (let k = 0; k < K; k++) mx = max(mx, load<f64>(row + (<usize>k << 3)) + load<f64>(logw + (<usize>k << 3)));
  if (mx == -Infinity) return mx;
  let s: f64 = 0;
  for (let k = 0; k < K; k++) s += Math.exp(load<f64>(row + (<usize>k << 3)) + load<f64>(logw + (<usize>k << 3)) - mx);
  return mx + Math.log(s);
}

/**
 * E-step finish for one block: given logprob[i,k] = log N(x_i | k) (f64, n × K) and log weights, writes the
 * responsibilities resp[i,k] = exp(logprob + logw − lse_i) (f32), adds Σ_i resp[i,k] into nk (f64, K) and
 * returns Σ_i lse_i, the block's total log-likelihood. Per-row weights `sw` (f32; 0 for none) scale both.
 */
export function mixture_resp(n: i32, K: i32, logprob: usize, logw: usize, resp: usize, nk: usize, sw: usize): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = logprob + (<usize>i * <usize>K << 3);
    const lse = lse_row(K, row, logw);
    const w: f64 = sw ? <f64>load<f32>(sw + (<usize>i << 2)) : 1.0;
    total += w * lse;
    const r = resp + (<usize>i * <usize>K << 2);
    for (let k = 0; k < K; k++) {
      const p = w * Math.exp(load<f64>(row + (<usize>k << 3)) + load<f64>(logw + (<usize>k << 3)) - lse);
      store<f32>(r + (<usize>k << 2), <f32>p);
      store<f64>(nk + (<usize>k << 3), load<f64>(nk + (<usize>k << 3)) + p);
    }
  }
  return total;
}

/** out[i] = log Σ_k exp(logprob[i,k] + logw[k]) (f64): per-sample log-likelihood. */
export function mixture_loglik(n: i32, K: i32, logprob: usize, logw: usize, out: usize): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), lse_row(K, logprob + (<usize>i * <usize>K << 3), logw));
}

/** y = log x elementwise (f64) with the engine's own log, so every runtime gets the same bits. */
export function log_f64(n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) store<f64>(y + (<usize>i << 3), Math.log(load<f64>(x + (<usize>i << 3))));
}
