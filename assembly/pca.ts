// Column statistics and the exact Gram matrix for PCA (K-Means shares the first two): f32 data in, f64 sums
// out. Every sum runs in a fixed order, so a chunk gives the same bits in every worker.

/** Rows per block of pca_gram (the packed f64 block stays in L2 for d up to ~1000). */
const GRAM_ROWS = 64;

/** sum[j] += Σ_i X[i, j] in f64 (n × d, row stride ldx). */
export function col_sums(n: i32, d: i32, X: usize, ldx: i32, sum: usize): void {
  for (let i = 0; i < n; i++) {
    const x = X + ((<usize>i * <usize>ldx) << 2);
    let j = 0;
    for (; j + 1 < d; j += 2) {
      const o = <usize>j << 3;
      v128.store(sum + o, f64x2.add(v128.load(sum + o), f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2)))));
    }
    if (j < d) store<f64>(sum + (<usize>j << 3), load<f64>(sum + (<usize>j << 3)) + <f64>load<f32>(x + (<usize>j << 2)));
  }
}

/**
 * out[i, :] = f32(X[i, :] − mean) with the subtraction in f64 (out dense, stride d). When norms ≠ 0,
 * norms[i] = ‖out[i, :]‖² (f64, of the stored f32 values). Returns Σ_i ‖out[i, :]‖².
 */
export function center_rows_f64(n: i32, d: i32, X: usize, ldx: i32, mean: usize, out: usize, norms: usize): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = X + ((<usize>i * <usize>ldx) << 2);
    const y = out + ((<usize>i * <usize>d) << 2);
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j + 1 < d; j += 2) {
      const dv = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2))), v128.load(mean + (<usize>j << 3)));
      const r = f32x4.demote_f64x2_zero(dv);
      v128.store64_lane(y + (<usize>j << 2), r, 0);
      const rr = f64x2.promote_low_f32x4(r);
      acc = f64x2.add(acc, f64x2.mul(rr, rr));
    }
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    if (j < d) {
      const r = <f32>(<f64>load<f32>(x + (<usize>j << 2)) - load<f64>(mean + (<usize>j << 3)));
      store<f32>(y + (<usize>j << 2), r);
      s += <f64>r * <f64>r;
    }
    if (norms) store<f64>(norms + (<usize>i << 3), s);
    total += s;
  }
  return total;
}

/** Bytes of scratch pca_gram needs for d columns. */
export function pca_gram_workspace(d: i32): i32 {
  return GRAM_ROWS * ((d + 3) & ~3) * 8;
}

/**
 * Lower triangle (with the diagonal) of G += Σ_i (x_i − mean)(x_i − mean)ᵀ, all in f64: the centring is exact
 * up to f64 rounding and products of the f32 data are exact, so G carries no float32 error (PCA's eigenvectors
 * of small eigenvalues need that). mean = 0 means no centring. G: d × d f64, ld ldg; the strictly upper
 * triangle is not written. work: pca_gram_workspace(d) bytes.
 */
export function pca_gram(n: i32, d: i32, X: usize, ldx: i32, mean: usize, G: usize, ldg: i32, work: usize): void {
  const dp = (d + 3) & ~3;
  const stride = <usize>dp << 3;
  for (let i0 = 0; i0 < n; i0 += GRAM_ROWS) {
    const rb = min(GRAM_ROWS, n - i0);
    for (let r = 0; r < rb; r++) {
      const x = X + ((<usize>(i0 + r) * <usize>ldx) << 2);
      const w = work + <usize>r * stride;
      for (let j = 0; j < d; j++) {
        const m = mean ? load<f64>(mean + (<usize>j << 3)) : 0;
        store<f64>(w + (<usize>j << 3), <f64>load<f32>(x + (<usize>j << 2)) - m);
      }
      for (let j = d; j < dp; j++) store<f64>(w + (<usize>j << 3), 0);
    }
    for (let a0 = 0; a0 < d; a0 += 4) {
      for (let b0 = 0; b0 <= a0; b0 += 4) gram_tile(rb, work, stride, a0, b0, d, G, ldg);
    }
  }
}

/** G[a0..a0+3, b0..b0+3] += Σ_r W[r, a]·W[r, b] over rb packed rows (only entries with b ≤ a < d). */
function gram_tile(rb: i32, W: usize, stride: usize, a0: i32, b0: i32, d: i32, G: usize, ldg: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  const ao = <usize>a0 << 3;
  const bo = <usize>b0 << 3;
  for (let r = 0; r < rb; r++) {
    const row = W + <usize>r * stride;
    const b01 = v128.load(row + bo);
    const b23 = v128.load(row + bo + 16);
    const s0 = v128.load64_splat(row + ao);
    const s1 = v128.load64_splat(row + ao + 8);
    const s2 = v128.load64_splat(row + ao + 16);
    const s3 = v128.load64_splat(row + ao + 24);
    c00 = f64x2.add(c00, f64x2.mul(s0, b01));
    c01 = f64x2.add(c01, f64x2.mul(s0, b23));
    c10 = f64x2.add(c10, f64x2.mul(s1, b01));
    c11 = f64x2.add(c11, f64x2.mul(s1, b23));
    c20 = f64x2.add(c20, f64x2.mul(s2, b01));
    c21 = f64x2.add(c21, f64x2.mul(s2, b23));
    c30 = f64x2.add(c30, f64x2.mul(s3, b01));
    c31 = f64x2.add(c31, f64x2.mul(s3, b23));
  }
  add_tile_row(G, ldg, a0, b0, d, c00, c01);
  add_tile_row(G, ldg, a0 + 1, b0, d, c10, c11);
  add_tile_row(G, ldg, a0 + 2, b0, d, c20, c21);
  add_tile_row(G, ldg, a0 + 3, b0, d, c30, c31);
}

// @ts-ignore: decorator
@inline function add_tile_row(G: usize, ldg: i32, a: i32, b0: i32, d: i32, lo: v128, hi: v128): void {
  if (a >= d) return;
  const g = G + ((<usize>a * <usize>ldg + <usize>b0) << 3);
  if (b0 + 3 <= a && b0 + 3 < d) {
    v128.store(g, f64x2.add(v128.load(g), lo));
    v128.store(g + 16, f64x2.add(v128.load(g + 16), hi));
    return;
  }
  const last = min(a, d - 1) - b0;
  if (last >= 0) store<f64>(g, load<f64>(g) + f64x2.extract_lane(lo, 0));
  if (last >= 1) store<f64>(g + 8, load<f64>(g + 8) + f64x2.extract_lane(lo, 1));
  if (last >= 2) store<f64>(g + 16, load<f64>(g + 16) + f64x2.extract_lane(hi, 0));
  if (last >= 3) store<f64>(g + 24, load<f64>(g + 24) + f64x2.extract_lane(hi, 1));
}
