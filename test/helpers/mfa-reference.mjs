// Slow, obvious references for the mixture of factor analysers: every Σ_k = Λ_kΛ_kᵀ + Ψ_k formed as a dense
// D × D matrix in f64 and inverted, no Woodbury identity, no centring — for small D only.
import { MixtureOfFactorAnalyzers } from '../../dist/index.js';
import { refCholesky } from './util.mjs';

/** Standard normal draws from a uniform source (Box–Muller). */
export function gaussian(r) {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A fitted-looking model from given parameters { weights, means, factors, noise } (through fromState). */
export function mfaFromParams(p, { K, D, q, noiseType = 'diagonal' }, options = {}) {
  const t = (data, shape) => ({ dtype: 'F64', shape, data: Float64Array.from(data) });
  return MixtureOfFactorAnalyzers.fromState(
    { 'mfa.weights': t(p.weights, [K]), 'mfa.means': t(p.means, [K, D]), 'mfa.factors': t(p.factors, [K, D, q]), 'mfa.noise': t(p.noise, [K, D]) },
    { 'mfa.noise_type': noiseType, 'mfa.n_components': String(K), 'mfa.n_factors': String(q), 'mfa.n_features': String(D) },
    'mfa.',
    options,
  );
}

/** A⁻¹ of an SPD matrix, column by column through its Cholesky factor. */
function inverse(A, n) {
  const L = refCholesky(A, n);
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let t = 0; t < i; t++) s -= L[i * n + t] * y[t];
      y[i] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let t = i + 1; t < n; t++) s -= L[t * n + i] * y[t];
      y[i] = s / L[i * n + i];
    }
    for (let i = 0; i < n; i++) inv[i * n + c] = y[i];
  }
  return { inv, logdet: 2 * Array.from({ length: n }, (_, i) => Math.log(L[i * n + i])).reduce((a, b) => a + b, 0) };
}

function sigma(p, k, D, q) {
  const S = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) {
      let s = i === j ? p.noise[k * D + i] : 0;
      for (let a = 0; a < q; a++) s += p.factors[(k * D + i) * q + a] * p.factors[(k * D + j) * q + a];
      S[i * D + j] = s;
    }
  return S;
}

/** Per-row log-likelihood (n), responsibilities (n × K) and each component's Σ⁻¹. */
export function denseLogProb(p, X, n, K, D, q) {
  const comps = Array.from({ length: K }, (_, k) => inverse(sigma(p, k, D, q), D));
  const logp = new Float64Array(n);
  const resp = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const lk = comps.map(({ inv, logdet }, k) => {
      let m = 0;
      for (let a = 0; a < D; a++)
        for (let b = 0; b < D; b++) m += (X[i * D + a] - p.means[k * D + a]) * inv[a * D + b] * (X[i * D + b] - p.means[k * D + b]);
      return Math.log(p.weights[k]) - 0.5 * (D * Math.log(2 * Math.PI) + logdet + m);
    });
    const mx = Math.max(...lk);
    const lse = mx + Math.log(lk.reduce((s, v) => s + Math.exp(v - mx), 0));
    logp[i] = lse;
    lk.forEach((v, k) => (resp[i * K + k] = Math.exp(v - lse)));
  }
  return { logp, resp, comps };
}

/**
 * One EM step of Ghahramani & Hinton (1996), eqs. for the mixture with z̃ = [z, 1]: β = ΛᵀΣ⁻¹, E[z] = β(x − μ),
 * E[zzᵀ] = I − βΛ + E[z]E[z]ᵀ; [Λ μ] = (Σ r x E[z̃]ᵀ)(Σ r E[z̃z̃ᵀ])⁻¹, Ψ = diag(Σ r x xᵀ − [Λ μ] Σ r E[z̃] xᵀ)/Σ r.
 */
export function denseEmStep(p, X, n, K, D, q) {
  const { logp, resp, comps } = denseLogProb(p, X, n, K, D, q);
  const q1 = q + 1;
  const out = { weights: new Float64Array(K), means: new Float64Array(K * D), factors: new Float64Array(K * D * q), noise: new Float64Array(K * D), loglik: logp.reduce((a, b) => a + b, 0) / n };
  for (let k = 0; k < K; k++) {
    const { inv } = comps[k];
    const lam = (j, a) => p.factors[(k * D + j) * q + a];
    const beta = new Float64Array(q * D);
    for (let a = 0; a < q; a++) for (let j = 0; j < D; j++) for (let t = 0; t < D; t++) beta[a * D + j] += lam(t, a) * inv[t * D + j];
    const covZ = new Float64Array(q * q);
    for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) {
      let s = a === b ? 1 : 0;
      for (let j = 0; j < D; j++) s -= beta[a * D + j] * lam(j, b);
      covZ[a * q + b] = s;
    }
    const A = new Float64Array(D * q1); // Σ r x E[z̃]ᵀ
    const B = new Float64Array(q1 * q1); // Σ r E[z̃z̃ᵀ]
    const xx = new Float64Array(D); // Σ r x²
    let N = 0;
    for (let i = 0; i < n; i++) {
      const r = resp[i * K + k];
      N += r;
      const z = new Float64Array(q1);
      for (let a = 0; a < q; a++) for (let j = 0; j < D; j++) z[a] += beta[a * D + j] * (X[i * D + j] - p.means[k * D + j]);
      z[q] = 1;
      for (let j = 0; j < D; j++) {
        xx[j] += r * X[i * D + j] ** 2;
        for (let a = 0; a < q1; a++) A[j * q1 + a] += r * X[i * D + j] * z[a];
      }
      for (let a = 0; a < q1; a++) for (let b = 0; b < q1; b++) B[a * q1 + b] += r * (z[a] * z[b] + (a < q && b < q ? covZ[a * q + b] : 0));
    }
    const Binv = inverse(B, q1).inv;
    out.weights[k] = N / n;
    for (let j = 0; j < D; j++) {
      const row = new Float64Array(q1);
      for (let a = 0; a < q1; a++) for (let b = 0; b < q1; b++) row[a] += A[j * q1 + b] * Binv[b * q1 + a];
      for (let a = 0; a < q; a++) out.factors[(k * D + j) * q + a] = row[a];
      out.means[k * D + j] = row[q];
      let s = xx[j];
      for (let a = 0; a < q1; a++) s -= row[a] * A[j * q1 + a];
      out.noise[k * D + j] = s / N;
    }
  }
  return out;
}
