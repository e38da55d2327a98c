// Worker side of EM: for each resident chunk, the E-step (log-densities, responsibilities, log-likelihood)
// and the sufficient statistics the M-step needs, returned per chunk so the pool can reduce them in order.
import type { Engine } from '../engine.js';
import type { Chunk, TaskContext } from '../executor.js';
import { defineTask } from './define.js';

/** Parameters of one E-step, in the engine's layout (see mixture/covariance.ts). */
export interface EStepParams {
  kind: 'dense' | 'diag';
  K: number;
  d: number;
  /** dense: one factor shared by every component (tied) instead of one each. */
  shared: boolean;
  /** K × d means (f32). */
  means: Float32Array;
  /** dense: K (or 1, tied) d × d precision factors F with Σ⁻¹ = F·Fᵀ; diag: K × d precisions (f32). */
  factors: Float32Array;
  /** dense: whether F is upper triangular (scikit-learn's precisions_cholesky_) or lower (from given precisions). */
  upper: boolean;
  /** Per component: log det F − ½·d·log 2π (f64). */
  logConst: Float64Array;
  /** Log mixture weights (f64). */
  logWeights: Float64Array;
}

export interface StatsParams {
  kind: 'dense' | 'diag';
  K: number;
  d: number;
  /** Centre of the scatter sums (K × d, f32): the means the E-step used, so the M-step's correction is small. */
  shift: Float32Array;
  /** Resident per-row weights dataset (1 column), if any. */
  weightsId?: number;
  /** Rows whose (weighted) responsibility for a component is below this are left out of its scatter sum. */
  minResp: number;
}

/** Per-chunk M-step statistics (f64): Σ r, Σ r·x, Σ r·(x − shift)(x − shift)ᵀ (dense: lower triangles). */
export interface ChunkStats {
  loglik: number;
  nk: Float64Array;
  sx: Float64Array;
  s2: Float64Array;
}

type Take = (bytes: number) => number;

/** logprob[i, k] = log N(x_i | μ_k, Σ_k) (n × K, f64) for one chunk. */
function logProb(e: Engine, take: Take, c: Chunk, p: EStepParams, dev: { means: number; factors: number }): number {
  const { K, d } = p;
  const out = take(c.rows * K * 8);
  if (p.kind === 'diag') {
    e.call('diag_maha', c.rows, d, c.ptr, d, K, dev.means, dev.factors, out);
  } else {
    for (let k = 0; k < K; k++)
      e.call('gauss_maha', c.rows, d, c.ptr, d, dev.means + k * d * 4, dev.factors + (p.shared ? 0 : k * d * d * 4), p.upper ? 1 : 0, out + k * 8, K);
  }
  const lp = e.f64(out, c.rows * K);
  for (let i = 0; i < lp.length; i++) lp[i] = -0.5 * lp[i] + p.logConst[i % K];
  return out;
}

function putParams(e: Engine, take: Take, p: EStepParams) {
  const means = take(p.means.length * 4);
  e.f32(means, p.means.length).set(p.means);
  const factors = take(p.factors.length * 4);
  e.f32(factors, p.factors.length).set(p.factors);
  const logw = take(p.K * 8);
  e.f64(logw, p.K).set(p.logWeights);
  return { means, factors, logw };
}

/** Per-sample log-likelihood of each chunk under the mixture (f64 per row). */
const scoreSamples = ({ engine: e, chunks }: TaskContext, p: EStepParams) =>
  e.scoped((take) => {
    const dev = putParams(e, take, p);
    return chunks.map((c) =>
      e.scoped((t) => {
        const lp = logProb(e, t, c, p, dev);
        const out = t(c.rows * 8);
        e.call('mixture_loglik', c.rows, p.K, lp, dev.logw, out);
        return e.f64(out, c.rows).slice();
      }),
    );
  });

/** E-step on one chunk: responsibilities (n × K f32), their column sums nk (f64) and the chunk's log-likelihood. */
function eStep(e: Engine, take: Take, c: Chunk, p: EStepParams, dev: { means: number; factors: number; logw: number }, sw: number) {
  const lp = logProb(e, take, c, p, dev);
  const resp = take(c.rows * p.K * 4);
  const nk = take(p.K * 8);
  e.f64(nk, p.K).fill(0);
  const loglik = e.call('mixture_resp', c.rows, p.K, lp, dev.logw, resp, nk, sw);
  return { resp, nk, loglik };
}

/** Responsibilities of each chunk (n × K, f32), e.g. for predictProba. */
const responsibilities = ({ engine: e, chunks }: TaskContext, p: EStepParams) =>
  e.scoped((take) => {
    const dev = putParams(e, take, p);
    return chunks.map((c) => e.scoped((t) => e.f32(eStep(e, t, c, p, dev, 0).resp, c.rows * p.K).slice()));
  });

/**
 * Sufficient statistics of a chunk given its responsibilities (resident at `resp`, n × K f32). The scatter sums
 * (K·d·d f64 for dense types: 8.9 MB at K = 32, d = 186) go out through `copyOut`, into the buffers of the
 * previous iteration's parts when the caller recycles them: EM then allocates no new memory per iteration.
 */
function chunkStats(e: Engine, take: Take, c: Chunk, resp: number, p: StatsParams, shift: number, loglik: number, nk: number, copyOut: TaskContext['copyOut']): ChunkStats {
  const { K, d } = p;
  const sx = take(K * d * 4);
  e.call('gemm', 1, 0, K, d, c.rows, 1, resp, K, c.ptr, d, 0, sx, d);
  let s2: Float64Array;
  if (p.kind === 'diag') {
    const s = take(K * d * 8);
    e.f64(s, K * d).fill(0);
    e.call('diag_scatter', c.rows, d, c.ptr, d, K, shift, resp, s);
    s2 = copyOut(e.f64(s, K * d));
  } else {
    // Products of the f32 rows summed in f64 (pca_gram): an f32 sum's rounding, ~1e-7 of the variance, would land
    // in the directions a component's samples do not span, whose variance is only regCovar (a face model with
    // fewer samples per component than dimensions): held-out scores there moved by 0.4 %.
    const w = take(c.rows * d * 4);
    const g = take(d * d * 8);
    const work = take(e.call('pca_gram_workspace', d));
    const all = take(K * d * d * 8);
    for (let k = 0; k < K; k++) {
      const gk = e.f64(all + k * d * d * 8, d * d).fill(0);
      const m = e.call('center_scale_rows', c.rows, d, c.ptr, d, shift + k * d * 4, resp, K, k, p.minResp, w);
      if (m === 0) continue;
      e.f64(g, d * d).fill(0);
      e.call('pca_gram', m, d, w, d, 0, g, d, work);
      gk.set(e.f64(g, d * d));
    }
    s2 = copyOut(e.f64(all, K * d * d));
  }
  return { loglik, nk: e.f64(nk, K).slice(), sx: Float64Array.from(e.f32(sx, K * d)), s2 };
}

/** One EM iteration's worth of work on each chunk: E-step with `p`, then the M-step statistics. */
const emStep = ({ engine: e, chunks, resident, copyOut }: TaskContext, p: EStepParams & StatsParams) =>
  e.scoped((take) => {
    const dev = putParams(e, take, p);
    return chunks.map((c) =>
      e.scoped((t) => {
        const sw = p.weightsId === undefined ? 0 : resident(p.weightsId, c.index).ptr;
        const { resp, nk, loglik } = eStep(e, t, c, p, dev, sw);
        return chunkStats(e, t, c, resp, p, dev.means, loglik, nk, copyOut);
      }),
    );
  });

/** M-step statistics from given responsibilities (a resident n × K dataset): the initialisation pass. */
const statsFromResp = ({ engine: e, chunks, resident, copyOut }: TaskContext, p: StatsParams & { respId: number }) =>
  e.scoped((take) => {
    const shift = take(p.shift.length * 4);
    e.f32(shift, p.shift.length).set(p.shift);
    return chunks.map((c) =>
      e.scoped((t) => {
        const src = resident(p.respId, c.index);
        const n = src.rows * p.K;
        const resp = t(n * 4);
        const nk = t(p.K * 8);
        // Weighted copy: the resident responsibilities stay as given, whatever number of passes reads them.
        const rv = e.f32(resp, n);
        rv.set(e.f32(src.ptr, n));
        const sw = p.weightsId === undefined ? null : e.f32(resident(p.weightsId, c.index).ptr, c.rows);
        const nkv = e.f64(nk, p.K).fill(0);
        for (let i = 0; i < src.rows; i++)
          for (let k = 0; k < p.K; k++) {
            if (sw) rv[i * p.K + k] *= sw[i];
            nkv[k] += rv[i * p.K + k];
          }
        return chunkStats(e, t, c, resp, p, shift, 0, nk, copyOut);
      }),
    );
  });

export const mixtureTasks = {
  step: defineTask('mixture.step', emStep),
  statsFromResp: defineTask('mixture.statsFromResp', statsFromResp),
  scoreSamples: defineTask('mixture.scoreSamples', scoreSamples),
  responsibilities: defineTask('mixture.responsibilities', responsibilities),
};
