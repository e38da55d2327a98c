// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11). A draw is a pure function of
// (seed, stream, index), so splitting work across workers or calls never changes the values.
//
// Block b of a stream is Philox4x32-10(counter = (lo32(b), stream, hi32(b), 0), key = (seedLo, seedHi)): four
// u32 words. Each kernel maps its element index i onto blocks on its own (the index spaces of different
// kernels overlap, so use different streams for draws that must be independent):
//   rng_uniform    f32   element i = word i%4 of block i/4, top 24 bits · 2^-24
//   rng_uniform64  f64   element i = words (2·(i%2), 2·(i%2)+1) of block i/2, top 53 of those 64 bits · 2^-53
//   rng_normal     f32   elements 2p, 2p+1 = Box–Muller pair from block p: u1 from words 0–1, u2 from 2–3
//                        (53-bit each), r = √(−2 ln(1 − u1)), θ = 2π·u2, z(2p) = r cos θ, z(2p+1) = r sin θ
// `offset` (f64, an integer in [0, 2^53)) is the index of out[0]; out[j] is element offset + j.

const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;
const TWO_PI: f64 = 6.283185307179586;

/** Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1); the four output words as an i32x4. */
export function philox4x32_10(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): v128 {
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    const p0 = M0 * <u64>c0;
    const p1 = M1 * <u64>c2;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
  }
  return i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(c0), 1, c1), 2, c2), 3, c3);
}

/** Block b of (seed, stream): see the header for the counter layout. */
// @ts-ignore: decorator
@inline function block(seedLo: u32, seedHi: u32, stream: u32, b: u64): v128 {
  return philox4x32_10(<u32>b, stream, <u32>(b >> 32), 0, seedLo, seedHi);
}

/** f64 in [0, 1) from the top 53 bits of the 64-bit word hi·2^32 + lo. */
// @ts-ignore: decorator
@inline function unit53(hi: u32, lo: u32): f64 {
  return <f64>((((<u64>hi) << 32) | <u64>lo) >> 11) * 1.1102230246251565e-16;
}

// What one block yields for each kernel (E = elements per block, packed little-endian into a v128).
const UNIFORM = 0; // 4 × f32
const UNIFORM64 = 1; // 2 × f64
const NORMAL = 2; // 2 × f32 (upper 8 bytes unused)

// @ts-ignore: decorator
@inline function per_block(kind: i32): i32 {
  return kind == UNIFORM ? 4 : 2;
}

// @ts-ignore: decorator
@inline function elem_shift(kind: i32): i32 {
  return kind == UNIFORM64 ? 3 : 2;
}

// @ts-ignore: decorator
@inline function block_values(kind: i32, w: v128): v128 {
  if (kind == UNIFORM) return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(w, 8)), f32x4.splat(5.9604644775390625e-8));
  const a = unit53(i32x4.extract_lane(w, 0), i32x4.extract_lane(w, 1));
  const b = unit53(i32x4.extract_lane(w, 2), i32x4.extract_lane(w, 3));
  if (kind == UNIFORM64) return f64x2.replace_lane(f64x2.splat(a), 1, b);
  const r = Math.sqrt(-2.0 * Math.log(1.0 - a));
  Math.sincos(TWO_PI * b);
  return f32x4.replace_lane(f32x4.splat(<f32>(r * Math.sincos_cos)), 1, <f32>(r * Math.sincos_sin));
}

/** Lane `lane` of `v` (lanes of 2^shift bytes) moved to the low bytes. */
// @ts-ignore: decorator
@inline function lane_to_front(v: v128, lane: i32, shift: i32): v128 {
  const from = i8x16.splat(<i8>(lane << shift));
  return i8x16.swizzle(v, i8x16.add(from, i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
}

/**
 * Writes elements offset .. offset+n−1 of `kind` to out: whole blocks at once, and element by element where
 * out starts or ends inside a block (recomputing that block; at most a few times per call).
 */
// @ts-ignore: decorator
@inline function fill(kind: i32, seedLo: u32, seedHi: u32, stream: u32, offset: f64, n: i32, out: usize): void {
  const E = per_block(kind);
  const shift = elem_shift(kind);
  const first = <u64>offset;
  for (let j = 0; j < n; ) {
    const i = first + <u64>j;
    const lane = <i32>(i % <u64>E);
    const v = block_values(kind, block(seedLo, seedHi, stream, i / <u64>E));
    const p = out + (<usize>j << shift);
    if (lane == 0 && n - j >= E) {
      if (kind == NORMAL) v128.store64_lane(p, v, 0);
      else v128.store(p, v);
      j += E;
    } else {
      const front = lane_to_front(v, lane, shift);
      if (shift == 3) v128.store64_lane(p, front, 0);
      else v128.store32_lane(p, front, 0);
      j++;
    }
  }
}

/** n uniform f32 in [0, 1) (multiples of 2^-24, never 1.0): elements offset.. of (seed, stream). */
export function rng_uniform(seedLo: u32, seedHi: u32, stream: u32, offset: f64, n: i32, out: usize): void {
  fill(UNIFORM, seedLo, seedHi, stream, offset, n, out);
}

/** n uniform f64 in [0, 1) (multiples of 2^-53): elements offset.. of (seed, stream). */
export function rng_uniform64(seedLo: u32, seedHi: u32, stream: u32, offset: f64, n: i32, out: usize): void {
  fill(UNIFORM64, seedLo, seedHi, stream, offset, n, out);
}

/** n standard normal f32 (Box–Muller in f64, |z| ≤ 8.58): elements offset.. of (seed, stream). */
export function rng_normal(seedLo: u32, seedHi: u32, stream: u32, offset: f64, n: i32, out: usize): void {
  fill(NORMAL, seedLo, seedHi, stream, offset, n, out);
}

/** Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1) → out[0..3] (u32): raw words, for known-answer
 * checks and custom counter layouts. */
export function rng_philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32, out: usize): void {
  v128.store(out, philox4x32_10(c0, c1, c2, c3, k0, k1));
}

/** Index of the first cumw[c] (f64, c < k, non-decreasing) with cumw[c] > t, or k when there is none. */
function first_above(k: i32, cumw: usize, t: f64): i32 {
  let lo = 0;
  let hi = k;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<f64>(cumw + (<usize>mid << 3)) > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Categorical draws: out[j] (i32) = the first category c with cumw[c] > u[j]·total, total = cumw[k−1], i.e.
 * category c owns [cumw[c−1], cumw[c]) of the scaled uniform, zero-weight categories are never drawn and ties
 * go to the first index. cumw: k non-decreasing cumulative weights (f64); u: n uniforms in [0, 1) (f64).
 * Returns 0, or 1 (nothing written) when k < 1 or total is not a positive finite number.
 */
export function rng_categorical(k: i32, cumw: usize, n: i32, u: usize, out: usize): i32 {
  if (k < 1) return 1;
  const total = load<f64>(cumw + (<usize>(k - 1) << 3));
  if (!(total > 0) || !isFinite(total)) return 1;
  // u·total can round up to total (or be NaN for a bad u): cap at the largest double below total, which
  // selects the first category whose cumulative weight reaches total.
  const cap = reinterpret<f64>(reinterpret<u64>(total) - 1);
  for (let j = 0; j < n; j++) {
    const t = load<f64>(u + (<usize>j << 3)) * total;
    store<i32>(out + (<usize>j << 2), first_above(k, cumw, t < cap ? t : cap));
  }
  return 0;
}
