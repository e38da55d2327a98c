// Dense f32 BLAS: a packed, register-blocked GEMM (GotoBLAS/BLIS layout) and the vector kernels around it.
// Row-major throughout; pointers are byte offsets. The micro-kernel's multiply-adds go through simd.ts's madd4:
// plain f32x4 mul+add in the portable build (the same bits in every runtime), fused in the optional FMA build.
// In both, an element's bits never depend on where its row or column falls in a call, so row chunks computed
// by different workers match a single call exactly.

import { madd4 } from "./simd";

// 4×8 micro-tile: 8 accumulators + 4 splats + 2 B vectors + 1 temporary fit V8's 15 usable xmm registers.
export const MR = 4;
export const NR = 8;
// k steps per block. Not 256: panels of 256 steps are 4 KiB (A) or 8 KiB (B) apart, so packing a k row into
// all of them lands in one L1 set; 248 shifts each panel by a cache line or two (+5-11 % on AᵀB and syrk here).
const KC = 248;
const MC = 96;

// Packing workspace, grown on demand and kept: kernels allocate only when a larger problem first arrives.
let packA: usize = 0;
let packACap: usize = 0;
let packB: usize = 0;
let packBCap: usize = 0;
export const tile = memory.data(MR * NR * 4, 16);
// alpha and beta reach writeTile through globals, not locals: a float local that is live across the inlined
// k-loop takes one of the xmm registers the 4×8 tile needs, and V8 then spills accumulators.
let tileAlpha: f32 = 1;
let tileBeta: f32 = 0;

export function ensure(ptr: usize, cap: usize, bytes: usize): usize {
  if (bytes <= cap) return ptr;
  if (ptr) heap.free(ptr);
  return heap.alloc(bytes);
}

/**
 * Lines first..first+count of op(X) over k0..k0+kc into pw-wide k-major panels (pw floats per k step),
 * zero-padded past `count`. Lines are the rows of op(A) (pw = MR) or the columns of op(B) (pw = NR);
 * `kMajor` says that X is stored with k as its row index (Aᵀ, or B untransposed).
 */
function packPanels(kMajor: bool, X: usize, ld: i32, first: i32, count: i32, k0: i32, kc: i32, dst: usize, pw: i32): void {
  if (kMajor) packAcrossRows(X + (<usize>k0 * <usize>ld + <usize>first) * 4, ld, count, kc, dst, pw);
  else packAlongRows(X + (<usize>first * <usize>ld + <usize>k0) * 4, ld, count, kc, dst, pw);
}

/** op(B)[k0..k0+kc, 0..n] into NR-wide k-major panels, zero-padded past column n. */
export function packPanelsB(transB: i32, B: usize, ldb: i32, n: i32, k0: i32, kc: i32, dst: usize): void {
  packPanels(!transB, B, ldb, 0, n, k0, kc, dst, NR);
}

/**
 * Source rows are k steps, each holding the panels side by side: copied row by row, so the source streams
 * through the cache (panel by panel, every panel would walk down kc rows of a large matrix).
 */
function packAcrossRows(src: usize, ld: i32, count: i32, kc: i32, dst: usize, pw: i32): void {
  const full = count & ~(pw - 1);
  const panelBytes = <usize>(kc * pw) * 4;
  for (let k = 0; k < kc; k++) {
    const s = src + <usize>k * <usize>ld * 4;
    let d = dst + <usize>(k * pw) * 4;
    let j = 0;
    for (; j < full; j += pw, d += panelBytes)
      for (let q = 0; q < pw; q += 4) v128.store(d + <usize>q * 4, v128.load(s + <usize>(j + q) * 4));
    if (j < count) for (let q = 0; q < pw; q++) store<f32>(d + <usize>q * 4, j + q < count ? load<f32>(s + <usize>(j + q) * 4) : 0);
  }
}

/** Source rows run along k, one per line: four lines at a time through packRows' in-register transposes. */
function packAlongRows(src: usize, ld: i32, count: i32, kc: i32, dst: usize, pw: i32): void {
  for (let p = 0; p < count; p += pw) {
    const s = src + <usize>p * <usize>ld * 4;
    const d = dst + <usize>(p * kc) * 4;
    const lines = min(pw, count - p);
    if (lines == pw) {
      for (let h = 0; h < pw; h += 4) packRows(s + <usize>h * <usize>ld * 4, ld, kc, 0, d + <usize>h * 4, pw);
      continue;
    }
    for (let k = 0; k < kc; k++)
      for (let r = 0; r < pw; r++) store<f32>(d + <usize>(k * pw + r) * 4, r < lines ? load<f32>(s + (<usize>r * <usize>ld + <usize>k) * 4) : 0);
  }
}

/**
 * Four rows starting at `r0p` (stride lda) into four adjacent lines of a k-major panel of kc steps that is pw
 * floats wide, minus `mu` (kc values) when mu ≠ 0: the centring of the mixture's E-step happens while the
 * panel is packed.
 */
export function packRows(r0p: usize, lda: i32, kc: i32, mu: usize, d: usize, pw: i32 = MR): void {
  const ld = <usize>lda * 4;
  const step = <usize>pw * 4;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const o = <usize>k * 4;
    let r0 = v128.load(r0p + o);
    let r1 = v128.load(r0p + ld + o);
    let r2 = v128.load(r0p + 2 * ld + o);
    let r3 = v128.load(r0p + 3 * ld + o);
    if (mu) {
      const m = v128.load(mu + o);
      r0 = f32x4.sub(r0, m);
      r1 = f32x4.sub(r1, m);
      r2 = f32x4.sub(r2, m);
      r3 = f32x4.sub(r3, m);
    }
    const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
    const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
    const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
    const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
    const q = d + <usize>k * step;
    v128.store(q, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
    v128.store(q + step, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
    v128.store(q + 2 * step, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
    v128.store(q + 3 * step, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
  }
  for (; k < kc; k++) {
    const m: f32 = mu ? load<f32>(mu + <usize>k * 4) : 0;
    for (let r = 0; r < 4; r++) store<f32>(d + <usize>k * step + <usize>r * 4, load<f32>(r0p + <usize>r * ld + <usize>k * 4) - m);
  }
}

/**
 * acc = Σ_k a[k]·b[k] over one MR-panel of A and one NR-panel of B, written to `tile`. Nothing else is live in
 * the loop (alpha and beta are applied afterwards), so the 8 accumulators, 4 splats and 2 B vectors stay in
 * registers; one k step per iteration (unrolling makes Binaryen's output spill in V8).
 */
export function tileProduct(kc: i32, a: usize, b: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // kc ≥ 1 always; ending on the B pointer leaves no counter in the loop (+9 % in V8 11.3 over a k counter).
  const end = b + <usize>kc * NR * 4;
  do {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    const a1 = v128.load32_splat(a, 4);
    const a2 = v128.load32_splat(a, 8);
    const a3 = v128.load32_splat(a, 12);
    c00 = madd4(a0, b0, c00);
    c01 = madd4(a0, b1, c01);
    c10 = madd4(a1, b0, c10);
    c11 = madd4(a1, b1, c11);
    c20 = madd4(a2, b0, c20);
    c21 = madd4(a2, b1, c21);
    c30 = madd4(a3, b0, c30);
    c31 = madd4(a3, b1, c31);
    a += MR * 4;
    b += NR * 4;
  } while (b < end);
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
}

/**
 * Writes `tile` to C: C = alpha·acc + beta·C on the first k-block (beta == 0 ignores C), C += alpha·acc on
 * later ones. Partial tiles use the same arithmetic element by element; on syrk's diagonal tiles only
 * columns j ≤ row are written (q ≤ lowerFrom + r, lowerFrom = i − j0).
 */
function writeTile(c: usize, ldc: i32, rows: i32, cols: i32, first: bool, diagonal: bool, lowerFrom: i32): void {
  const alpha = tileAlpha;
  const beta = tileBeta;
  if (rows == MR && cols == NR && !diagonal) {
    const va = f32x4.splat(alpha);
    for (let r = 0; r < MR; r++) storeRow(c + <usize>r * <usize>ldc * 4, va, beta, first, r);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const lim = diagonal ? min(cols, lowerFrom + r + 1) : cols;
    for (let q = 0; q < lim; q++) {
      const p = c + (<usize>r * <usize>ldc + <usize>q) * 4;
      const v = alpha * load<f32>(tile + <usize>(r * NR + q) * 4);
      store<f32>(p, first ? (beta == 0 ? v : v + beta * load<f32>(p)) : load<f32>(p) + v);
    }
  }
}

@inline
function storeRow(p: usize, va: v128, beta: f32, first: bool, r: i32): void {
  const t = tile + <usize>r * NR * 4;
  let x = f32x4.mul(va, v128.load(t));
  let y = f32x4.mul(va, v128.load(t, 16));
  if (!first) {
    x = f32x4.add(v128.load(p), x);
    y = f32x4.add(v128.load(p, 16), y);
  } else if (beta != 0) {
    const vb = f32x4.splat(beta);
    x = f32x4.add(x, f32x4.mul(vb, v128.load(p)));
    y = f32x4.add(y, f32x4.mul(vb, v128.load(p, 16)));
  }
  v128.store(p, x);
  v128.store(p, y, 16);
}

/** Scales C (m × n) by beta: the K = 0 or alpha = 0 case, where A and B are not read (BLAS semantics). */
function scaleC(m: i32, n: i32, beta: f32, C: usize, ldc: i32, lower: bool): void {
  for (let i = 0; i < m; i++)
    for (let j = 0, e = lower ? min(n, i + 1) : n; j < e; j++) {
      const p = C + (<usize>i * <usize>ldc + <usize>j) * 4;
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
}

/** The shared driver of gemm and syrk; `lower` restricts the writes to j ≤ i. */
function gemmDriver(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32, lower: bool): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scaleC(M, N, beta, C, ldc, lower);
    return;
  }
  tileAlpha = alpha;
  tileBeta = beta;
  const nPad = (N + NR - 1) & ~(NR - 1);
  packB = ensure(packB, packBCap, <usize>(nPad * KC) * 4);
  packBCap = max(packBCap, <usize>(nPad * KC) * 4);
  packA = ensure(packA, packACap, <usize>(MC * KC) * 4);
  packACap = max(packACap, <usize>(MC * KC) * 4);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const first = k0 == 0;
    packPanelsB(transB, B, ldb, N, k0, kc, packB);
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = min(MC, M - i0);
      const jEnd = lower ? min(N, i0 + mc) : N;
      packPanels(transA != 0, A, lda, i0, mc, k0, kc, packA, MR);
      for (let j0 = 0; j0 < jEnd; j0 += NR) {
        const cols = min(NR, N - j0);
        const bp = packB + <usize>(j0 * kc) * 4;
        for (let ip = 0; ip < mc; ip += MR) {
          const i = i0 + ip;
          const rows = min(MR, mc - ip);
          if (lower && j0 > i + rows - 1) continue; // tile entirely above the diagonal
          const diagonal = lower && j0 + cols - 1 > i;
          tileProduct(kc, packA + <usize>(ip * kc) * 4, bp);
          writeTile(C + (<usize>i * <usize>ldc + <usize>j0) * 4, ldc, rows, cols, first, diagonal, i - j0);
        }
      }
    }
  }
}

/** C = alpha·op(A)·op(B) + beta·C (row-major sgemm; op(A) is M × K, op(B) is K × N). beta = 0 ignores C. */
export function gemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  gemmDriver(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, false);
}

/**
 * Lower triangle of C = alpha·op(A)·op(A)ᵀ + beta·C (N × N): trans = 0 takes A as N × K (A·Aᵀ), trans = 1 as
 * K × N (AᵀA). Tiles above the diagonal are skipped, so it costs about half a GEMM; the upper part is untouched.
 */
export function syrk(trans: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, beta: f32, C: usize, ldc: i32): void {
  gemmDriver(trans, trans ? 0 : 1, N, N, K, alpha, A, lda, A, lda, beta, C, ldc, true);
}

/** Copies the lower triangle of C (N × N) to the upper one. */
export function symmetrize_lower(N: i32, C: usize, ldc: i32): void {
  for (let i = 0; i < N; i++)
    for (let j = 0; j < i; j++) store<f32>(C + (<usize>j * <usize>ldc + <usize>i) * 4, load<f32>(C + (<usize>i * <usize>ldc + <usize>j) * 4));
}

/**
 * Σ x·y of f32 values (Σ x when y = 0), accumulated in f64: every f32 product is exact in f64, so only the
 * f64 additions round (two f64x2 partial sums: even and odd lane pairs).
 */
@inline
function dotBlocks(n: i32, x: usize, y: usize): f64 {
  const ones = f32x4.splat(1);
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const xv = v128.load(x + (<usize>j << 2));
    const yv = y ? v128.load(y + (<usize>j << 2)) : ones;
    lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(xv), f64x2.promote_low_f32x4(yv)));
    hi = f64x2.add(hi, f64x2.mul(f64x2.promote_low_f32x4(highHalf(xv)), f64x2.promote_low_f32x4(highHalf(yv))));
  }
  let total = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; j < n; j++) total += <f64>load<f32>(x + (<usize>j << 2)) * (y ? <f64>load<f32>(y + (<usize>j << 2)) : 1.0);
  return total;
}

/** Lanes 2 and 3 moved to lanes 0 and 1 (for promote_low). */
// @ts-ignore: decorator
@inline function highHalf(v: v128): v128 {
  return v128.shuffle<i32>(v, v, 2, 3, 2, 3);
}

/** Σ x·y (f64 result). */
export function dot(n: i32, x: usize, y: usize): f64 {
  return dotBlocks(n, x, y);
}

/** Σ x² (f64 result). */
export function sumsq(n: i32, x: usize): f64 {
  return dotBlocks(n, x, x);
}

/** Σ x (f64 result). */
export function sum(n: i32, x: usize): f64 {
  return dotBlocks(n, x, 0);
}

/** y += a·x. */
export function axpy(n: i32, a: f32, x: usize, y: usize): void {
  const va = f32x4.splat(a);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; j < n; j++) store<f32>(y + (<usize>j << 2), load<f32>(y + (<usize>j << 2)) + a * load<f32>(x + (<usize>j << 2)));
}

/** x *= a. */
export function scale(n: i32, a: f32, x: usize): void {
  const va = f32x4.splat(a);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(x + (<usize>j << 2), f32x4.mul(va, v128.load(x + (<usize>j << 2))));
  for (; j < n; j++) store<f32>(x + (<usize>j << 2), a * load<f32>(x + (<usize>j << 2)));
}

/** y = x (n f32 values). */
export function copy(n: i32, x: usize, y: usize): void {
  memory.copy(y, x, <usize>n << 2);
}

/**
 * Index of the first of the n f32 values that is NaN or ±Infinity, or −1: the workers check every chunk they are
 * given with it (a pass at memory speed), so the caller's thread never scans the data.
 */
export function first_nonfinite(n: i32, x: usize): i32 {
  // x − x is 0 for finite x and NaN otherwise; NaN ≠ NaN flags the lane. Blocks of 16, then the block's first.
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const p = x + (<usize>j << 2);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    const da = f32x4.sub(a, a), db = f32x4.sub(b, b), dc = f32x4.sub(c, c), dd = f32x4.sub(d, d);
    const bad = v128.or(v128.or(f32x4.ne(da, da), f32x4.ne(db, db)), v128.or(f32x4.ne(dc, dc), f32x4.ne(dd, dd)));
    if (v128.any_true(bad)) break;
  }
  for (; j < n; j++) if (!isFinite(load<f32>(x + (<usize>j << 2)))) return j;
  return -1;
}

/** y = alpha·op(A)·x + beta·y with A stored M × N: trans = 0 gives y (M) = A·x, trans = 1 gives y (N) = Aᵀ·x. */
export function gemv(trans: i32, M: i32, N: i32, alpha: f32, A: usize, lda: i32, x: usize, beta: f32, y: usize): void {
  if (!trans) {
    for (let i = 0; i < M; i++) {
      const p = y + (<usize>i << 2);
      const v = alpha * <f32>dotBlocks(N, A + <usize>i * <usize>lda * 4, x);
      store<f32>(p, beta == 0 ? v : v + beta * load<f32>(p));
    }
    return;
  }
  if (beta == 0) memory.fill(y, 0, <usize>N << 2);
  else scale(N, beta, y);
  for (let r = 0; r < M; r++) axpy(N, alpha * load<f32>(x + (<usize>r << 2)), A + <usize>r * <usize>lda * 4, y);
}
