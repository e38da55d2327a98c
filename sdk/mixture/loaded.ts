// Checks of a mixture read from a file, beyond shapes and finiteness: what a fitted mixture always satisfies, so
// that a corrupt but finite file is an EFORMAT error on load instead of NaN or −∞ log-likelihoods later.
import { GaussfaceError } from '../errors.js';
import { COVARIANCE, diagonalIndex, type CovarianceType } from './covariance.js';

const broken = (why: string) => new GaussfaceError(`model file is inconsistent: ${why} — the file is corrupt`, 'EFORMAT');

/** Variances and precision-factor diagonals must be > 0 (log of a value ≤ 0 is NaN). */
export function checkPositiveDiagonal(name: string, type: CovarianceType, K: number, d: number, data: Float64Array): void {
  for (let k = 0; k < K; k++)
    for (let j = 0; j < d; j++) {
      const i = diagonalIndex(type, k, j, d);
      if (!(data[i] > 0)) throw broken(`tensor "${name}" has ${data[i]} on a diagonal (index ${i}); covariances and their precision factors need positive diagonals`);
    }
}

/**
 * The precision factors F (Σ⁻¹ = F·Fᵀ, or 1/σ) must belong to the covariances: Fᵀ·Σ·F = I. For full/tied a
 * product with two fixed probe vectors costs O(d²) per component (the whole product would be O(d³)); a corrupt
 * entry changes the product in a way a generic probe sees.
 */
export function checkFactorsMatch(type: CovarianceType, d: number, cov: Float64Array, factor: Float64Array, name: string): void {
  const tol = 1e-3;
  if (COVARIANCE[type].kind === 'diag') {
    for (let i = 0; i < cov.length; i++)
      if (!(Math.abs(factor[i] * factor[i] * cov[i] - 1) <= tol)) throw broken(`tensor "${name}" (${factor[i]} at index ${i}) is not 1/√ of its covariance ${cov[i]}`);
    return;
  }
  for (let o = 0; o < cov.length; o += d * d)
    for (const seed of [1, 2]) {
      const v = Float64Array.from({ length: d }, (_, i) => Math.sin(seed * 12.9898 * (i + 1)) + 0.5);
      const w = new Float64Array(d); // F·v
      for (let i = 0; i < d; i++) for (let t = 0; t < d; t++) w[i] += factor[o + i * d + t] * v[t];
      const u = new Float64Array(d); // Σ·w
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) u[i] += cov[o + i * d + j] * w[j];
      let [err, norm] = [0, 0];
      for (let t = 0; t < d; t++) {
        let y = 0; // (Fᵀ·u)_t
        for (let i = 0; i < d; i++) y += factor[o + i * d + t] * u[i];
        err += (y - v[t]) ** 2;
        norm += v[t] ** 2;
      }
      if (!(Math.sqrt(err) <= tol * Math.sqrt(norm))) throw broken(`tensor "${name}" does not invert its covariance (component ${o / (d * d)}: ‖FᵀΣF·v − v‖ / ‖v‖ = ${Math.sqrt(err / norm).toPrecision(3)})`);
    }
}
