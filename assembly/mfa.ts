// Per-sample pieces of EM for a mixture of factor analysers (Σ_k = Λ_k Λ_kᵀ + Ψ_k), all through the Woodbury
// identity so that no D × D matrix exists: the D-wide work is the existing GEMM (X·W for every component at once,
// and the weighted cross-moments Cᵀ·Z) and diag_maha; these kernels finish the q-wide parts in f64.

/**
 * log N(x_i | k) from its two Woodbury terms, in place: maha[i·K + k] holds ‖Ψ_k^{-1/2}(x_i − μ_k)‖² (diag_maha)
 * on entry and logConst[k] − ½(maha − ‖p‖²) on exit, where p = P[i, k·q .. k·q + q] − off[k·q ..] is
 * L_kᵀ-whitened posterior projection W_kᵀ(x_i − μ_k) (P = X·W from the GEMM, f32; off = μ_kᵀW_k in f64, so the
 * centring happens in f64 after the product).
 */
export function mfa_logprob(n: i32, K: i32, q: i32, P: usize, off: usize, logConst: usize, maha: usize): void {
  const Kq = K * q;
  for (let i = 0; i < n; i++) {
    const prow = P + (<usize>i * <usize>Kq << 2);
    const mrow = maha + (<usize>i * <usize>K << 3);
    for (let k = 0; k < K; k++) {
      let s: f64 = 0;
      for (let a = 0; a < q; a++) {
        const t = <f64>load<f32>(prow + (<usize>(k * q + a) << 2)) - load<f64>(off + (<usize>(k * q + a) << 3));
        s += t * t;
      }
      const mo = mrow + (<usize>k << 3);
      store<f64>(mo, load<f64>(logConst + (<usize>k << 3)) - 0.5 * (load<f64>(mo) - s));
    }
  }
}

/**
 * The factor side of component k's M-step sums, for the rows center_scale_rows packs (R[i, k] ≥ rmin, same order):
 * Z[m, :] = √r_i · [E[z | x_i, k]ᵀ, 1] (f32, m × (q + 1)) with E[z | x] = L⁻ᵀ p (LinvT = L⁻ᵀ, upper, q × q, f64,
 * read along its rows; p as in mfa_logprob), and G += Σ_m Z[m]ᵀZ[m] in f64 ((q + 1)², the Σ r·z̃z̃ᵀ part of E[z̃z̃ᵀ]). Returns m.
 * The f32 √r is center_scale_rows' own, so WᵀZ sums r·(x − μ)·z̃ᵀ with the same row weights.
 */
export function mfa_factor_rows(n: i32, K: i32, q: i32, k: i32, P: usize, off: usize, LinvT: usize, R: usize, rmin: f32, p: usize, Z: usize, G: usize): i32 {
  const Kq = K * q;
  const q1 = q + 1;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const r = load<f32>(R + ((<usize>i * <usize>K + <usize>k) << 2));
    if (!(r >= rmin)) continue;
    const s = Mathf.sqrt(r);
    const prow = P + ((<usize>i * <usize>Kq + <usize>(k * q)) << 2);
    for (let a = 0; a < q; a++)
      store<f64>(p + (<usize>a << 3), <f64>load<f32>(prow + (<usize>a << 2)) - load<f64>(off + (<usize>(k * q + a) << 3)));
    const z = Z + (<usize>m * <usize>q1 << 2);
    // z_a = Σ_{b ≥ a} (L⁻ᵀ)[a, b] · p_b.
    for (let a = 0; a < q; a++) {
      const row = LinvT + (<usize>(a * q) << 3);
      let t: f64 = 0;
      for (let b = a; b < q; b++) t += load<f64>(row + (<usize>b << 3)) * load<f64>(p + (<usize>b << 3));
      store<f32>(z + (<usize>a << 2), <f32>(<f64>s * t));
    }
    store<f32>(z + (<usize>q << 2), s);
    for (let a = 0; a < q1; a++) {
      const za = <f64>load<f32>(z + (<usize>a << 2));
      const g = G + (<usize>(a * q1) << 3);
      for (let b = 0; b <= a; b++) store<f64>(g + (<usize>b << 3), load<f64>(g + (<usize>b << 3)) + za * <f64>load<f32>(z + (<usize>b << 2)));
    }
    m++;
  }
  // Upper triangle from the lower one.
  for (let a = 0; a < q1; a++)
    for (let b = a + 1; b < q1; b++) store<f64>(G + (<usize>(a * q1 + b) << 3), load<f64>(G + (<usize>(b * q1 + a) << 3)));
  return m;
}

/** out[j] += Σ_i W[i, j]² in f64 (m × d rows, f32): the diagonal of WᵀW, every f32 square exact in f64. */
export function colsumsq_f64(m: i32, d: i32, W: usize, out: usize): void {
  const d2 = d & ~1;
  for (let i = 0; i < m; i++) {
    const w = W + (<usize>i * <usize>d << 2);
    let j = 0;
    for (; j < d2; j += 2) {
      const x = f64x2.promote_low_f32x4(v128.load64_zero(w + (<usize>j << 2)));
      const o = out + (<usize>j << 3);
      v128.store(o, f64x2.add(v128.load(o), f64x2.mul(x, x)));
    }
    for (; j < d; j++) {
      const x = <f64>load<f32>(w + (<usize>j << 2));
      store<f64>(out + (<usize>j << 3), load<f64>(out + (<usize>j << 3)) + x * x);
    }
  }
}
