// f32x4 lane functions shared by the nn kernels (internal: not part of the ABI).
import { expf4, logf4 } from "../simd";

/** 1/(1 + e^−x) without overflow: e = e^−|x|, then 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0. */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const e = expf4(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, f32x4.splat(0)));
}

/**
 * ln(1 + u) for u ≥ 0, accurate for tiny u: ln(w)·u/(w − 1) with w = fl(1 + u) cancels the rounding of w
 * (Goldberg); u itself where w rounds to 1.
 */
// @ts-ignore: decorator
@inline export function log1pf4(u: v128): v128 {
  const w = f32x4.add(f32x4.splat(1), u);
  const d = f32x4.sub(w, f32x4.splat(1));
  const r = f32x4.mul(logf4(w), f32x4.div(u, d));
  return v128.bitselect(u, r, f32x4.eq(d, f32x4.splat(0)));
}

/** Lane 0 as a scalar (loop tails run the vector code on a splat, so they give the same bits). */
// @ts-ignore: decorator
@inline export function lane0(v: v128): f32 {
  return f32x4.extract_lane(v, 0);
}

/** acc (f64x2) + the four lanes of t promoted to f64. */
// @ts-ignore: decorator
@inline export function add_f64(acc: v128, t: v128): v128 {
  return f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(t), f64x2.promote_low_f32x4(i64x2.shuffle(t, t, 1, 0))));
}

// @ts-ignore: decorator
@inline export function hsum_f64(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}
