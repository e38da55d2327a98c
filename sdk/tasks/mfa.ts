// Worker side of EM for a mixture of factor analysers: for each resident chunk, the log-densities through the
// Woodbury identity (one GEMM X·W for all components, diag_maha, mfa_logprob), the responsibilities, and the
// per-component sums the M-step needs, returned per chunk so that the pool reduces them in chunk order.
import type { Engine } from '../engine.js';
import type { Chunk, TaskContext } from '../executor.js';
import { defineTask } from './define.js';

/** The E-step's view of the parameters (see mfa/params.ts, which builds it). */
export interface MfaEStep {
  K: number;
  /** Pixels per row. */
  D: number;
  /** Factors per component. */
  q: number;
  /** D × (K·q), f32: column block k is W_k = Ψ_k⁻¹Λ_k L_k⁻ᵀ (L_k L_kᵀ = M_k = I + Λ_kᵀΨ_k⁻¹Λ_k). */
  W: Float32Array;
  /** K × D means (f32). */
  means: Float32Array;
  /** K × D inverse noise variances 1/Ψ (f32). */
  psiInv: Float32Array;
  /** K × q: μ_kᵀW_k (f64), subtracted from X·W after the product. */
  off: Float64Array;
  /** K × q × q: L_k⁻ᵀ (upper, f64), turns the projection into E[z | x, k] = L_k⁻ᵀ·p. */
  linv: Float64Array;
  /** Per component: −½(D·log 2π + log|Σ_k|) (f64). */
  logConst: Float64Array;
  /** Log mixture weights (f64). */
  logWeights: Float64Array;
}

/** Per-chunk M-step sums (component k's block of each array is its own). */
export interface MfaChunkStats {
  loglik: number;
  /** Σ r (K, f64). */
  nk: Float64Array;
  /** K × D × (q + 1): Σ r·(x − μ_k)·[E[z]ᵀ, 1] (f32 GEMM of the chunk's rows). */
  S: Float32Array;
  /** K × D: Σ r·(x − μ_k)² per pixel (f64). */
  ss: Float64Array;
  /** K × (q + 1)²: Σ r·z̃z̃ᵀ with z̃ = [E[z], 1] (f64; the posterior covariance is added on the host). */
  G: Float64Array;
}

type Take = (bytes: number) => number;
interface Device {
  W: number;
  means: number;
  psiInv: number;
  off: number;
  linv: number;
  logConst: number;
  logw: number;
}

function put(e: Engine, take: Take, p: MfaEStep): Device {
  const f32 = (a: Float32Array) => {
    const ptr = take(a.length * 4);
    e.f32(ptr, a.length).set(a);
    return ptr;
  };
  const f64 = (a: Float64Array) => {
    const ptr = take(Math.max(1, a.length) * 8);
    e.f64(ptr, a.length).set(a);
    return ptr;
  };
  return { W: f32(p.W), means: f32(p.means), psiInv: f32(p.psiInv), off: f64(p.off), linv: f64(p.linv), logConst: f64(p.logConst), logw: f64(p.logWeights) };
}

/** log N(x_i | k) (n × K, f64) and the projections X·W (n × K·q, f32) of one chunk. */
function logProb(e: Engine, take: Take, c: Chunk, p: MfaEStep, dev: Device): { lp: number; P: number } {
  const { K, D, q } = p;
  const P = take(c.rows * K * q * 4);
  e.call('gemm', 0, 0, c.rows, K * q, D, 1, c.ptr, D, dev.W, K * q, 0, P, K * q);
  const lp = take(c.rows * K * 8);
  e.call('diag_maha', c.rows, D, c.ptr, D, K, dev.means, dev.psiInv, lp);
  e.call('mfa_logprob', c.rows, K, q, P, dev.off, dev.logConst, lp);
  return { lp, P };
}

/** Per-sample log-likelihood of each chunk under the mixture (f64 per row). */
const scoreSamples = ({ engine: e, chunks }: TaskContext, p: MfaEStep): Float64Array[] =>
  e.scoped((take) => {
    const dev = put(e, take, p);
    return chunks.map((c) =>
      e.scoped((t) => {
        const { lp } = logProb(e, t, c, p, dev);
        const out = t(c.rows * 8);
        e.call('mixture_loglik', c.rows, p.K, lp, dev.logw, out);
        return e.f64(out, c.rows).slice();
      }),
    );
  });

function eStep(e: Engine, take: Take, c: Chunk, p: MfaEStep, dev: Device) {
  const { lp, P } = logProb(e, take, c, p, dev);
  const resp = take(c.rows * p.K * 4);
  const nk = take(p.K * 8);
  e.f64(nk, p.K).fill(0);
  const loglik = e.call('mixture_resp', c.rows, p.K, lp, dev.logw, resp, nk, 0);
  return { resp, nk, loglik, P };
}

/** Responsibilities of each chunk (n × K, f32), for predictProba. */
const responsibilities = ({ engine: e, chunks }: TaskContext, p: MfaEStep): Float32Array[] =>
  e.scoped((take) => {
    const dev = put(e, take, p);
    return chunks.map((c) => e.scoped((t) => e.f32(eStep(e, t, c, p, dev).resp, c.rows * p.K).slice()));
  });

/**
 * One EM iteration's work on each chunk: the E-step, then per component the rows it owns (responsibility ≥
 * minResp, as in the Gaussian mixture) centred and scaled by √r, whose products with the scaled posterior
 * factors [E[z], 1] give the M-step's cross-moments in one GEMM.
 */
const step = ({ engine: e, chunks }: TaskContext, p: MfaEStep & { minResp: number }): MfaChunkStats[] =>
  e.scoped((take) => {
    const dev = put(e, take, p);
    const { K, D, q } = p;
    const q1 = q + 1;
    return chunks.map((c): MfaChunkStats =>
      e.scoped((t) => {
        const { resp, nk, loglik, P } = eStep(e, t, c, p, dev);
        const [Wc, Z, pv, g, S, ss] = [t(c.rows * D * 4), t(c.rows * q1 * 4), t(q * 8), t(q1 * q1 * 8), t(D * q1 * 4), t(D * 8)];
        const out = { loglik, nk: e.f64(nk, K).slice(), S: new Float32Array(K * D * q1), ss: new Float64Array(K * D), G: new Float64Array(K * q1 * q1) };
        for (let k = 0; k < K; k++) {
          const m = e.call('center_scale_rows', c.rows, D, c.ptr, D, dev.means + k * D * 4, resp, K, k, p.minResp, Wc);
          if (m === 0) continue;
          e.f64(g, q1 * q1).fill(0);
          e.call('mfa_factor_rows', c.rows, K, q, k, P, dev.off, dev.linv + k * q * q * 8, resp, p.minResp, pv, Z, g);
          e.call('gemm', 1, 0, D, q1, m, 1, Wc, D, Z, q1, 0, S, q1);
          e.f64(ss, D).fill(0);
          e.call('colsumsq_f64', m, D, Wc, ss);
          out.S.set(e.f32(S, D * q1), k * D * q1);
          out.ss.set(e.f64(ss, D), k * D);
          out.G.set(e.f64(g, q1 * q1), k * q1 * q1);
        }
        return out;
      }),
    );
  });

export const mfaTasks = {
  step: defineTask('mfa.step', step),
  scoreSamples: defineTask('mfa.scoreSamples', scoreSamples),
  responsibilities: defineTask('mfa.responsibilities', responsibilities),
};
