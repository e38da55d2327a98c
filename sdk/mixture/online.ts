// Arithmetic on M-step statistics for stepwise online EM: scaling, blending, and moving the centre of the
// scatter sums when the means the statistics were gathered around change.
import type { ChunkStats } from '../tasks/mixture.js';
import { COVARIANCE, type CovarianceType } from './covariance.js';

export function scaleStats(s: ChunkStats, f: number): ChunkStats {
  return { loglik: s.loglik * f, nk: s.nk.map((v) => v * f), sx: s.sx.map((v) => v * f), s2: s.s2.map((v) => v * f) };
}

/** (1 − rho)·a + rho·b. */
export function blendStats(a: ChunkStats, b: ChunkStats, rho: number): ChunkStats {
  const mix = (x: Float64Array, y: Float64Array) => x.map((v, i) => (1 - rho) * v + rho * y[i]);
  return { loglik: (1 - rho) * a.loglik + rho * b.loglik, nk: mix(a.nk, b.nk), sx: mix(a.sx, b.sx), s2: mix(a.s2, b.s2) };
}

/**
 * The same statistics with the scatter sums centred on `to` instead of `from` (K × d each):
 * Σr(x−a′)(x−a′)ᵀ = S2 + u·δᵀ + δ·uᵀ + N·δ·δᵀ with δ = a − a′ and u = Σr(x−a) = sx − N·a.
 */
export function recentre(s: ChunkStats, from: Float64Array, to: Float64Array, type: CovarianceType, K: number, d: number): ChunkStats {
  const s2 = s.s2.slice();
  const dense = COVARIANCE[type].kind === 'dense';
  for (let k = 0; k < K; k++) {
    const N = s.nk[k];
    const u = (j: number) => s.sx[k * d + j] - N * from[k * d + j];
    const delta = (j: number) => from[k * d + j] - to[k * d + j];
    for (let i = 0; i < d; i++) {
      if (!dense) {
        s2[k * d + i] += 2 * u(i) * delta(i) + N * delta(i) * delta(i);
        continue;
      }
      for (let j = 0; j <= i; j++) s2[k * d * d + i * d + j] += u(i) * delta(j) + delta(i) * u(j) + N * delta(i) * delta(j);
    }
  }
  return { ...s, s2 };
}
