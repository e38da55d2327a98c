// The q-wide mathematics of a mixture of factor analysers, in float64 on the calling thread: the E-step's
// Woodbury/determinant-lemma view of each Σ_k = Λ_kΛ_kᵀ + Ψ_k, and the M-step of Ghahramani & Hinton (1996)
// with the mean and the loadings solved together (z̃ = [z, 1]). Nothing here is D × D: D × q and q × q only.
import type { Engine } from '../engine.js';
import { GaussfaceError } from '../errors.js';
import { sumStats, type SummedStats } from '../fitdata.js';
import { logF64 } from '../local-maths.js';
import { LOG_2PI } from '../mixture/covariance.js';
import type { MfaChunkStats, MfaEStep } from '../tasks/mfa.js';

/** 'diagonal': Ψ_k is any positive diagonal (MFA); 'isotropic': Ψ_k = σ_k²·I (mixture of probabilistic PCA). */
export type NoiseType = 'diagonal' | 'isotropic';
export const NOISE_TYPES: readonly NoiseType[] = ['diagonal', 'isotropic'];

/** Parameters in float64: weights (K), means (K × D), factors (K × D × q, Λ_k row-major), noise (K × D, Ψ_k). */
export interface MfaParams {
  weights: Float64Array;
  means: Float64Array;
  factors: Float64Array;
  noise: Float64Array;
}

const EPS10 = 10 * 2.220446049250313e-16;

/** Lower Cholesky factor of the n × n SPD matrix A (row-major), or null when A is not positive definite. */
export function cholesky(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let t = 0; t < j; t++) s -= L[i * n + t] * L[j * n + t];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  return L;
}

/** L⁻¹ of a lower-triangular n × n matrix (lower triangular). */
export function invertLower(L: Float64Array, n: number): Float64Array {
  const X = new Float64Array(n * n);
  const x = new Float64Array(n); // column c of L⁻¹, kept contiguous while it is solved
  for (let c = 0; c < n; c++) {
    x[c] = 1 / L[c * n + c];
    X[c * n + c] = x[c];
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      for (let t = c; t < i; t++) s -= L[i * n + t] * x[t];
      x[i] = s / L[i * n + i];
      X[i * n + c] = x[i];
    }
  }
  return X;
}

/** The E-step parameters and, for the M-step, each component's posterior factor covariance M_k⁻¹ (K × q × q). */
export interface MfaView {
  e: MfaEStep;
  minv: Float64Array;
}

/**
 * Per component: M = I + ΛᵀΨ⁻¹Λ = L·Lᵀ, W = Ψ⁻¹Λ·L⁻ᵀ, log|Σ| = log|M| + Σ log Ψ (matrix determinant lemma), so
 * (x − μ)ᵀΣ⁻¹(x − μ) = ‖Ψ^{-1/2}(x − μ)‖² − ‖Wᵀ(x − μ)‖² (Woodbury).
 */
export function mfaView(engine: Engine, p: MfaParams, K: number, D: number, q: number): MfaView {
  const Kq = K * q;
  const W = new Float32Array(D * Kq);
  const psiInv = Float32Array.from(p.noise, (v) => 1 / v);
  const means = Float32Array.from(p.means);
  const off = new Float64Array(Kq);
  const linv = new Float64Array(K * q * q);
  const minv = new Float64Array(K * q * q);
  const logTerms = new Float64Array(K * (q + D));
  for (let k = 0; k < K; k++) {
    const lam = p.factors.subarray(k * D * q, (k + 1) * D * q);
    const psi = p.noise.subarray(k * D, (k + 1) * D);
    const M = new Float64Array(q * q);
    for (let j = 0; j < D; j++) {
      const w = 1 / psi[j];
      for (let a = 0; a < q; a++) {
        const la = lam[j * q + a] * w;
        for (let b = 0; b <= a; b++) M[a * q + b] += la * lam[j * q + b];
      }
    }
    for (let a = 0; a < q; a++) {
      M[a * q + a] += 1;
      for (let b = 0; b < a; b++) M[b * q + a] = M[a * q + b];
    }
    const L = cholesky(M, q);
    if (!L) throw new GaussfaceError(`component ${k}: I + ΛᵀΨ⁻¹Λ is not positive definite (non-finite parameters?)`, 'ECOLLAPSE');
    const Li = invertLower(L, q);
    // M⁻¹ = L⁻ᵀL⁻¹ from the rows of L⁻ᵀ (contiguous reads), lower triangle mirrored.
    const LiT = new Float64Array(q * q);
    for (let a = 0; a < q; a++) for (let t = 0; t <= a; t++) LiT[t * q + a] = Li[a * q + t];
    linv.set(LiT, k * q * q);
    for (let a = 0; a < q; a++)
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let t = a; t < q; t++) s += LiT[a * q + t] * LiT[b * q + t];
        minv[k * q * q + a * q + b] = minv[k * q * q + b * q + a] = s;
      }
    // W_ja = Σ_b (Ψ⁻¹Λ)_jb·(L⁻¹)_ab; the offset μᵀW uses the f32 values the GEMM sees, so X·W − off = (X − μ)·W.
    for (let j = 0; j < D; j++) {
      const w = 1 / psi[j];
      const mu = means[k * D + j];
      for (let a = 0; a < q; a++) {
        let s = 0;
        for (let b = 0; b <= a; b++) s += lam[j * q + b] * Li[a * q + b];
        const v = Math.fround(s * w);
        W[j * Kq + k * q + a] = v;
        off[k * q + a] += mu * v;
      }
    }
    for (let a = 0; a < q; a++) logTerms[k * (q + D) + a] = L[a * q + a];
    logTerms.set(psi, k * (q + D) + q);
  }
  const logs = logF64(engine, logTerms);
  const logConst = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let logDet = 0;
    for (let a = 0; a < q; a++) logDet += 2 * logs[k * (q + D) + a];
    for (let j = 0; j < D; j++) logDet += logs[k * (q + D) + q + j];
    logConst[k] = -0.5 * (D * LOG_2PI + logDet);
  }
  return { e: { K, D, q, W, means, psiInv, off, linv, logConst, logWeights: logF64(engine, p.weights) }, minv };
}

/** The M-step's sums over all chunks, in float64 (see MfaChunkStats for each). */
export type MfaStats = SummedStats<MfaChunkStats>;

/** Sums per-chunk statistics in chunk order (the order that makes results independent of the worker count). */
export const reduceMfaStats = (parts: MfaChunkStats[], engine: Engine): MfaStats => sumStats(parts, engine);

/** Per-pixel variance of the data (D), from the per-component sums around each μ⁰_k: no extra pass. */
export function pixelVariance(st: MfaStats, view: MfaView, K: number, D: number, q: number): Float64Array {
  const q1 = q + 1;
  const n = st.nk.reduce((a, b) => a + b, 0);
  const v = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    let [s1, s2] = [0, 0];
    for (let k = 0; k < K; k++) {
      const mu = view.e.means[k * D + j];
      const c = st.S[(k * D + j) * q1 + q]; // Σ r·(x − μ⁰)
      s1 += c + st.nk[k] * mu;
      s2 += st.ss[k * D + j] + 2 * mu * c + st.nk[k] * mu * mu;
    }
    const m = s1 / n;
    v[j] = Math.max(s2 / n - m * m, 0);
  }
  return v;
}

/** How the M-step bounds the noise: `reg` is added to every Ψ, and Ψ_kj ≥ floor·(variance of pixel j). */
export interface NoiseBounds {
  reg: number;
  floor: number;
}

/**
 * M-step from sums around the E-step's (f32) means μ⁰: with C = X − μ⁰ and z̃ = [E[z], 1],
 * [Λ, μ − μ⁰] = (Σ r·c·z̃ᵀ)(Σ r·E[z̃z̃ᵀ])⁻¹ and Ψ = diag(Σ r·c·cᵀ − [Λ, μ − μ⁰]·Σ r·z̃·cᵀ)/N_k + reg
 * (isotropic: the mean of that diagonal). Centring on μ⁰ keeps the subtraction small.
 * A floor f > 0 clamps Ψ_kj ≥ f·v_j (isotropic: σ_k² ≥ f·mean v): the likelihood is unimodal in each Ψ_kj, so
 * that is the constrained maximum and EM stays monotone.
 */
export function mfaMStep(st: MfaStats, view: MfaView, K: number, D: number, q: number, noiseType: NoiseType, bounds: NoiseBounds): MfaParams {
  const { reg, floor } = bounds;
  const minNoise = floor > 0 ? pixelVariance(st, view, K, D, q).map((v) => floor * v) : new Float64Array(D);
  const minIso = minNoise.reduce((a, b) => a + b, 0) / D;
  const q1 = q + 1;
  const S = st.S;
  const nk = st.nk.map((v) => v + EPS10);
  const total = nk.reduce((a, b) => a + b, 0);
  const out: MfaParams = { weights: nk.map((v) => v / total), means: new Float64Array(K * D), factors: new Float64Array(K * D * q), noise: new Float64Array(K * D) };
  const lt = new Float64Array(q1);
  for (let k = 0; k < K; k++) {
    const G = st.G.slice(k * q1 * q1, (k + 1) * q1 * q1);
    for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) G[a * q1 + b] += st.nk[k] * view.minv[k * q * q + a * q + b];
    const L = cholesky(G, q1);
    if (!L)
      throw new GaussfaceError(
        `component ${k} has collapsed (its share of the data, ${st.nk[k].toPrecision(3)} samples, cannot determine ${q} factors and a mean). ` +
          'Try to decrease nComponents or nFactors, or increase regCovar.',
        'ECOLLAPSE',
      );
    const Lt = new Float64Array(q1 * q1); // Lᵀ, so that the back substitution reads rows (q can be 1000)
    for (let a = 0; a < q1; a++) for (let t = 0; t <= a; t++) Lt[t * q1 + a] = L[a * q1 + t];
    const Sk = S.subarray(k * D * q1, (k + 1) * D * q1);
    let isoSum = 0;
    for (let j = 0; j < D; j++) {
      // Solve G·λ = S_j (G = L·Lᵀ) for row j of [Λ, μ − μ⁰].
      for (let a = 0; a < q1; a++) {
        let s = Sk[j * q1 + a];
        for (let t = 0; t < a; t++) s -= L[a * q1 + t] * lt[t];
        lt[a] = s / L[a * q1 + a];
      }
      let explained = 0;
      for (let a = q1 - 1; a >= 0; a--) {
        let s = lt[a];
        for (let t = a + 1; t < q1; t++) s -= Lt[a * q1 + t] * lt[t];
        lt[a] = s / L[a * q1 + a];
        explained += lt[a] * Sk[j * q1 + a];
      }
      for (let a = 0; a < q; a++) out.factors[(k * D + j) * q + a] = lt[a];
      out.means[k * D + j] = view.e.means[k * D + j] + lt[q];
      const psi = (st.ss[k * D + j] - explained) / nk[k];
      out.noise[k * D + j] = Math.max(psi, minNoise[j], 0) + reg;
      isoSum += psi;
    }
    if (noiseType === 'isotropic') out.noise.fill(Math.max(isoSum / D, minIso, 0) + reg, k * D, (k + 1) * D);
  }
  return out;
}

/** Free parameters: K·(D·q − q(q − 1)/2) loadings (up to rotation), K·D means, the noise, K − 1 weights. */
export function mfaParameterCount(K: number, D: number, q: number, noiseType: NoiseType): number {
  return K * (D * q - (q * (q - 1)) / 2) + K * D + (noiseType === 'diagonal' ? K * D : K) + K - 1;
}
