// Vector f32 math on v128: Cephes-style expf/logf (range reduction + polynomial, plain IEEE mul/add only, so
// every runtime gives the same bits), array kernels over them, and the row-wise log-sum-exp / softmax of the
// mixture E-step. The v128 helpers (expf4, logf4) and their scalar forms are for other assembly modules; the
// ABI re-exports only the array kernels.

// ln 2 split so that n·LN2_HI is exact for |n| ≤ 2^15 (Cody–Waite).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const LOG2E: f32 = 1.44269504088896341;
// exp overflows to +Inf above ln(2^128) ≈ 88.72 and rounds to 0 below ln(2^-150) ≈ -103.97: clamping to just
// outside that range keeps the scale exponent small while the final multiply still overflows/underflows.
const EXP_HI: f32 = 89.0;
const EXP_LO: f32 = -104.0;
const SQRT_HALF: f32 = 0.707106781186547524;
const MIN_NORMAL: f32 = 1.17549435e-38;
const TWO_P23: f32 = 8388608.0;

/**
 * c + a·b per lane: mul then add in the portable build, whose bits every runtime reproduces; a fused
 * multiply-add in the optional relaxed-SIMD build (half the instructions of the GEMM micro-kernel; one rounding,
 * or two where the CPU has no FMA, so its bits depend on the machine).
 */
// @ts-ignore: decorator
@inline export function madd4(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** 2^n for integer lanes n in [-126, 127], built from the exponent bits. */
// @ts-ignore: decorator
@inline function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** e^x for each lane; max error ~1 ulp; NaN → NaN, +Inf → +Inf, −Inf and x < −103.97 → 0. */
// @ts-ignore: decorator
@inline export function expf4(x: v128): v128 {
  // pmin/pmax with x first keep NaN lanes NaN.
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO));
  const fn = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(fn, f32x4.splat(LN2_HI))), f32x4.mul(fn, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // Scale by 2^n in two exact halves so that n in [-150, 128] neither leaves the exponent range early nor
  // skips the single rounding into denormals / overflow to Inf.
  const n = i32x4.trunc_sat_f32x4_s(fn);
  const n1 = i32x4.shr_s(n, 1);
  return f32x4.mul(f32x4.mul(p, pow2i(n1)), pow2i(i32x4.sub(n, n1)));
}

/** ln x for each lane; max error ~1 ulp; 0 → −Inf, x < 0 or NaN → NaN, +Inf → +Inf, denormals exact-range. */
// @ts-ignore: decorator
@inline export function logf4(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(MIN_NORMAL));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(TWO_P23)), x, tiny);
  // x = m·2^e with m in [0.5, 1); denormals were scaled by 2^23 above.
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  // Fold m into [√½, √2) − 1 so the polynomial argument is centred on 0 (the mask lane is −1 where true).
  const below = f32x4.lt(m, f32x4.splat(SQRT_HALF));
  e = i32x4.add(e, below);
  m = f32x4.sub(f32x4.add(m, v128.and(m, below)), f32x4.splat(1));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(fe, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let r = f32x4.add(f32x4.add(m, y), f32x4.mul(fe, f32x4.splat(LN2_HI)));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0)));
  r = v128.bitselect(f32x4.splat(NaN), r, v128.not(f32x4.ge(x, f32x4.splat(0))));
  return v128.bitselect(x, r, f32x4.eq(x, f32x4.splat(Infinity)));
}

/** Scalar e^x with exactly the bits of expf4 (tails of vector loops use it). */
// @ts-ignore: decorator
@inline export function expf(x: f32): f32 {
  return f32x4.extract_lane(expf4(f32x4.splat(x)), 0);
}

/** Scalar ln x with exactly the bits of logf4. */
// @ts-ignore: decorator
@inline export function logf(x: f32): f32 {
  return f32x4.extract_lane(logf4(f32x4.splat(x)), 0);
}

/** y[i] = e^x[i] (f32, n values; y may alias x). */
export function vexp(n: i32, x: usize, y: usize): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, expf4(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, expf(load<f32>(x + o)));
  }
}

/** y[i] = ln x[i] (f32, n values; y may alias x). */
export function vlog(n: i32, x: usize, y: usize): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, logf4(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, logf(load<f32>(x + o)));
  }
}

/** Largest of k f32 values (−Inf when k = 0; NaN if any is NaN). */
function row_max(k: i32, x: usize): f32 {
  const k4 = k & ~3;
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j < k4; j += 4) mv = f32x4.max(mv, v128.load(x + (<usize>j << 2)));
  let m = Mathf.max(
    Mathf.max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
    Mathf.max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
  );
  for (; j < k; j++) m = Mathf.max(m, load<f32>(x + (<usize>j << 2)));
  return m;
}

/** Σ e^(x[j] − m) accumulated in f64; with `keep`, x[j] is overwritten by e^(x[j] − m). */
// @ts-ignore: decorator
@inline function sum_exp(k: i32, x: usize, m: f32, keep: bool): f64 {
  const k4 = k & ~3;
  const mv = f32x4.splat(m);
  let acc = f64x2.splat(0);
  let j = 0;
  for (; j < k4; j += 4) {
    const p = x + (<usize>j << 2);
    const e = expf4(f32x4.sub(v128.load(p), mv));
    if (keep) v128.store(p, e);
    acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(i64x2.shuffle(e, e, 1, 0))));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; j < k; j++) {
    const p = x + (<usize>j << 2);
    const e = expf(load<f32>(p) - m);
    if (keep) store<f32>(p, e);
    s += <f64>e;
  }
  return s;
}

/**
 * out[i] = log Σ_j e^X[i, j] (f64) for the n × k rows of X (f32, row stride ldx). Shifted by the row maximum;
 * a row of −Inf (or k = 0) gives −Inf, a row holding +Inf gives +Inf, a NaN gives NaN.
 */
export function logsumexp_rows(n: i32, k: i32, X: usize, ldx: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const x = X + ((<usize>i * <usize>ldx) << 2);
    const m = row_max(k, x);
    const lse: f64 = isFinite(m) ? <f64>m + Math.log(sum_exp(k, x, m, false)) : <f64>m;
    store<f64>(out + (<usize>i << 3), lse);
  }
}

/**
 * Row-wise softmax in place: X[i, j] ← e^(X[i, j] − lse_i) (f32), lse_out[i] = log Σ_j e^X[i, j] (f64), as
 * logsumexp_rows. Computed as e^(x − max) / Σ, one exp per value. A row whose lse is −Inf (all −Inf) becomes
 * all 0; a row with +Inf or NaN becomes all NaN.
 */
export function softmax_rows(n: i32, k: i32, X: usize, ldx: i32, lse_out: usize): void {
  for (let i = 0; i < n; i++) {
    const x = X + ((<usize>i * <usize>ldx) << 2);
    const m = row_max(k, x);
    let lse: f64 = <f64>m;
    if (isFinite(m)) {
      const s = sum_exp(k, x, m, true);
      lse += Math.log(s);
      scale_row(k, x, <f32>(1.0 / s));
    } else {
      fill_row(k, x, m == -Infinity ? 0 : NaN);
    }
    store<f64>(lse_out + (<usize>i << 3), lse);
  }
}

function scale_row(k: i32, x: usize, a: f32): void {
  const k4 = k & ~3;
  const av = f32x4.splat(a);
  let j = 0;
  for (; j < k4; j += 4) {
    const p = x + (<usize>j << 2);
    v128.store(p, f32x4.mul(v128.load(p), av));
  }
  for (; j < k; j++) {
    const p = x + (<usize>j << 2);
    store<f32>(p, load<f32>(p) * a);
  }
}

function fill_row(k: i32, x: usize, v: f32): void {
  for (let j = 0; j < k; j++) store<f32>(x + (<usize>j << 2), v);
}
