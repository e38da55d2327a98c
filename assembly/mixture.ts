// Per-sample pieces of the Gaussian-mixture E-step and M-step: the fused triangular Mahalanobis kernel, the
// weighted centring for the scatter GEMMs, the diagonal-covariance distances and the log-sum-exp. All f32 in, with f64 where a sum decides correctness.
import { ensure, MR, NR, packPanelsB, packRows, tile, tileProduct } from "./blas";

/**
 * Packs W[m, :] = sqrt(R[i, k]) · (X[i, :] − mu) for the rows with R[i, k] ≥ rmin and returns m: the rows whose
 * Gram matrix WᵀW is component k's weighted scatter Σ r_ik (x_i − mu)(x_i − mu)ᵀ. R is n × ldr (responsibilities,
 * f32). Skipping the rows a component does not own saves their flops and keeps subnormal products (~100× slower
 * on x86, where wasm cannot flush them) out of the GEMM; the caller picks rmin so the weight left out is below
 * f32 resolution.
 */
export function center_scale_rows(n: i32, d: i32, X: usize, ldx: i32, mu: usize, R: usize, ldr: i32, k: i32, rmin: f32, W: usize): i32 {
  const d4 = d & ~3;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const r = load<f32>(R + ((<usize>i * <usize>ldr + <usize>k) << 2));
    if (!(r >= rmin)) continue;
    const s = Mathf.sqrt(r);
    const sv = f32x4.splat(s);
    const x = X + (<usize>i * <usize>ldx << 2);
    const w = W + (<usize>m * <usize>d << 2);
    m++;
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
  return m;
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

const F32_MIN_NORMAL: f64 = 1.1754943508222875e-38;

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
      // Flushed to zero below f32's normal range: subnormal responsibilities would slow every GEMM they enter.
      store<f32>(r + (<usize>k << 2), p < F32_MIN_NORMAL ? 0 : <f32>p);
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

// Workspace of gauss_maha: the packed factor and one panel of centred rows.
let packU: usize = 0;
let packUCap: usize = 0;
let panel: usize = 0;
let panelCap: usize = 0;

/**
 * Squared Mahalanobis distances out[i · ldo] = ‖(x_i − μ)·F‖² (f64) for a triangular precision factor F
 * (d × d; upper = 1: scikit-learn's precisions_cholesky_, lower = 0: the Cholesky factor of a given precision).
 * The GEMM micro-kernel runs on rows centred while they are packed, only over the non-zero triangle of F
 * (half the flops), and squares the products straight from the tile: (X − μ)·F is never stored.
 */
export function gauss_maha(n: i32, d: i32, X: usize, ldx: i32, mu: usize, F: usize, upper: i32, out: usize, ldo: i32): void {
  if (n <= 0) return;
  const dPad = (d + NR - 1) & ~(NR - 1);
  packU = ensure(packU, packUCap, <usize>(dPad * max(d, 1)) * 4);
  packUCap = max(packUCap, <usize>(dPad * max(d, 1)) * 4);
  panel = ensure(panel, panelCap, <usize>(MR * max(d, 1)) * 4);
  panelCap = max(panelCap, <usize>(MR * max(d, 1)) * 4);
  packPanelsB(0, F, d, d, 0, d, packU);
  for (let i = 0; i < n; i += MR) {
    const rows = min(MR, n - i);
    if (rows == MR) packRows(X + <usize>i * <usize>ldx * 4, ldx, d, mu, panel);
    else packCentred(X + <usize>i * <usize>ldx * 4, ldx, rows, d, mu, panel);
    let q0: f64 = 0, q1: f64 = 0, q2: f64 = 0, q3: f64 = 0;
    for (let j0 = 0; j0 < d; j0 += NR) {
      // Column j of (x − μ)·F needs k ≤ j when F is upper triangular, k ≥ j when lower.
      const k0 = upper ? 0 : j0;
      const k1 = upper ? min(d, j0 + NR) : d;
      tileProduct(k1 - k0, panel + <usize>(k0 * MR) * 4, packU + <usize>(j0 * d + k0 * NR) * 4);
      q0 += tileRowSumsq(0);
      q1 += tileRowSumsq(1);
      q2 += tileRowSumsq(2);
      q3 += tileRowSumsq(3);
    }
    store<f64>(out + <usize>i * <usize>ldo * 8, q0);
    if (rows > 1) store<f64>(out + <usize>(i + 1) * <usize>ldo * 8, q1);
    if (rows > 2) store<f64>(out + <usize>(i + 2) * <usize>ldo * 8, q2);
    if (rows > 3) store<f64>(out + <usize>(i + 3) * <usize>ldo * 8, q3);
  }
}

/** The last, partial block of rows x − μ into one MR-tall k-major panel (rows past `rows` zero). */
function packCentred(X: usize, ldx: i32, rows: i32, d: i32, mu: usize, dst: usize): void {
  for (let k = 0; k < d; k++) {
    const m = load<f32>(mu + (<usize>k << 2));
    for (let r = 0; r < MR; r++)
      store<f32>(dst + <usize>(k * MR + r) * 4, r < rows ? load<f32>(X + (<usize>r * <usize>ldx + <usize>k) * 4) - m : 0);
  }
}

/** Σ of the squares of one row of the last tile (padding columns are zero). */
@inline
function tileRowSumsq(r: i32): f64 {
  const lo = v128.load(tile + <usize>r * NR * 4);
  const hi = v128.load(tile + <usize>r * NR * 4, 16);
  const s = f32x4.add(f32x4.mul(lo, lo), f32x4.mul(hi, hi));
  return <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
}
