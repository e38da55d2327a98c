// VAE losses per image (rows of a batch-major matrix) and their gradients, plus the reparameterisation.
// Values are summed over a row in f64 and written as f64, one per image; gradients are f32 and scaled by
// `scale` (e.g. 1/batch for a batch-mean loss). Backward outputs may alias their inputs.
import { expf4 } from "../simd";
import { add_f64, hsum_f64, lane0, log1pf4, sigmoid4 } from "./lanes";

// @ts-ignore: decorator
@inline function at(p: usize, i: i32, ld: i32): usize {
  return p + ((<usize>i * <usize>ld) << 2);
}

/** max(z, 0) − z·x + ln(1 + e^−|z|): BCE of target x against sigmoid(z), without overflow. */
// @ts-ignore: decorator
@inline function bce4(z: v128, x: v128): v128 {
  const softplus = log1pf4(expf4(f32x4.neg(f32x4.abs(z))));
  return f32x4.add(f32x4.sub(f32x4.max(z, f32x4.splat(0)), f32x4.mul(z, x)), softplus);
}

/** 1 + lv − μ² − e^lv (the KL term before −½). */
// @ts-ignore: decorator
@inline function kl4(mu: v128, lv: v128): v128 {
  return f32x4.sub(f32x4.sub(f32x4.add(f32x4.splat(1), lv), f32x4.mul(mu, mu)), expf4(lv));
}

/** loss[i] (f64) = Σ_j BCE-with-logits(Z[i, j], X[i, j]) for batch × d logits Z and targets X in [0, 1]. */
export function bce_logits_forward(batch: i32, d: i32, Z: usize, X: usize, loss: usize): void {
  const d4 = d & ~3;
  for (let i = 0; i < batch; i++) {
    const z = at(Z, i, d);
    const x = at(X, i, d);
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      acc = add_f64(acc, bce4(v128.load(z + o), v128.load(x + o)));
    }
    let s = hsum_f64(acc);
    for (; j < d; j++) {
      const o = <usize>j << 2;
      s += <f64>lane0(bce4(f32x4.splat(load<f32>(z + o)), f32x4.splat(load<f32>(x + o))));
    }
    store<f64>(loss + (<usize>i << 3), s);
  }
}

/** dZ = scale·(sigmoid(Z) − X), the gradient of bce_logits_forward (n = batch·d values). */
export function bce_logits_backward(n: i32, Z: usize, X: usize, scale: f32, dZ: usize): void {
  const sv = f32x4.splat(scale);
  const n4 = n & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    v128.store(dZ + o, f32x4.mul(sv, f32x4.sub(sigmoid4(v128.load(Z + o)), v128.load(X + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dZ + o, scale * (lane0(sigmoid4(f32x4.splat(load<f32>(Z + o)))) - load<f32>(X + o)));
  }
}

/**
 * loss[i] (f64) = Σ_j (Z[i, j] − X[i, j])²/(2·variance) + ½·d·ln(2π·variance): the negative log-likelihood
 * of X under N(Z, variance·I), i.e. a scaled MSE plus its normalising constant.
 */
export function gaussian_nll_forward(batch: i32, d: i32, Z: usize, X: usize, variance: f32, loss: usize): void {
  const half = 0.5 / <f64>variance;
  const norm = 0.5 * <f64>d * Math.log(2 * Math.PI * <f64>variance);
  const d4 = d & ~3;
  for (let i = 0; i < batch; i++) {
    const z = at(Z, i, d);
    const x = at(X, i, d);
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      const r = f32x4.sub(v128.load(z + o), v128.load(x + o));
      acc = add_f64(acc, f32x4.mul(r, r));
    }
    let s = hsum_f64(acc);
    for (; j < d; j++) {
      const o = <usize>j << 2;
      const r = load<f32>(z + o) - load<f32>(x + o);
      s += <f64>(r * r);
    }
    store<f64>(loss + (<usize>i << 3), s * half + norm);
  }
}

/** dZ = scale·(Z − X)/variance, the gradient of gaussian_nll_forward (n = batch·d values). */
export function gaussian_nll_backward(n: i32, Z: usize, X: usize, variance: f32, scale: f32, dZ: usize): void {
  const f = <f32>(<f64>scale / <f64>variance);
  const fv = f32x4.splat(f);
  const n4 = n & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    v128.store(dZ + o, f32x4.mul(fv, f32x4.sub(v128.load(Z + o), v128.load(X + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dZ + o, f * (load<f32>(Z + o) - load<f32>(X + o)));
  }
}

/**
 * loss[i] (f64) = KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ_j (1 + lv − μ² − e^lv) for row i of mu and logvar (k values
 * each, row stride ld: μ and log σ² may be the two halves of one batch × 2k head output).
 */
export function kl_normal_forward(batch: i32, k: i32, mu: usize, logvar: usize, ld: i32, loss: usize): void {
  const k4 = k & ~3;
  for (let i = 0; i < batch; i++) {
    const m = at(mu, i, ld);
    const l = at(logvar, i, ld);
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j < k4; j += 4) {
      const o = <usize>j << 2;
      acc = add_f64(acc, kl4(v128.load(m + o), v128.load(l + o)));
    }
    let s = hsum_f64(acc);
    for (; j < k; j++) {
      const o = <usize>j << 2;
      s += <f64>lane0(kl4(f32x4.splat(load<f32>(m + o)), f32x4.splat(load<f32>(l + o))));
    }
    store<f64>(loss + (<usize>i << 3), -0.5 * s);
  }
}

/**
 * Gradient of kl_normal_forward: dmu = scale·μ, dlogvar = scale·½(e^lv − 1), laid out like mu / logvar (row
 * stride ld). Overwrites dmu and dlogvar, so call it before reparam_backward, which adds to them.
 */
export function kl_normal_backward(
  batch: i32, k: i32, mu: usize, logvar: usize, ld: i32, scale: f32, dmu: usize, dlogvar: usize,
): void {
  const sv = f32x4.splat(scale);
  const hv = f32x4.splat(0.5 * scale);
  const k4 = k & ~3;
  for (let i = 0; i < batch; i++) {
    const m = at(mu, i, ld);
    const l = at(logvar, i, ld);
    const dm = at(dmu, i, ld);
    const dl = at(dlogvar, i, ld);
    let j = 0;
    for (; j < k4; j += 4) {
      const o = <usize>j << 2;
      v128.store(dm + o, f32x4.mul(sv, v128.load(m + o)));
      v128.store(dl + o, f32x4.mul(hv, f32x4.sub(expf4(v128.load(l + o)), f32x4.splat(1))));
    }
    for (; j < k; j++) {
      const o = <usize>j << 2;
      store<f32>(dm + o, scale * load<f32>(m + o));
      store<f32>(dl + o, lane0(f32x4.mul(hv, f32x4.sub(expf4(f32x4.splat(load<f32>(l + o))), f32x4.splat(1)))));
    }
  }
}

/** σ·ε = e^(½·lv)·ε. */
// @ts-ignore: decorator
@inline function noise4(lv: v128, eps: v128): v128 {
  return f32x4.mul(expf4(f32x4.mul(lv, f32x4.splat(0.5))), eps);
}

/**
 * Reparameterisation z = μ + e^(½·logvar)·ε. mu, logvar: row stride ld; eps (e.g. from rng_normal) and z:
 * batch × k, dense.
 */
export function reparam_forward(batch: i32, k: i32, mu: usize, logvar: usize, ld: i32, eps: usize, z: usize): void {
  const k4 = k & ~3;
  for (let i = 0; i < batch; i++) {
    const m = at(mu, i, ld);
    const l = at(logvar, i, ld);
    const e = at(eps, i, k);
    const zi = at(z, i, k);
    let j = 0;
    for (; j < k4; j += 4) {
      const o = <usize>j << 2;
      v128.store(zi + o, f32x4.add(v128.load(m + o), noise4(v128.load(l + o), v128.load(e + o))));
    }
    for (; j < k; j++) {
      const o = <usize>j << 2;
      const n = lane0(noise4(f32x4.splat(load<f32>(l + o)), f32x4.splat(load<f32>(e + o))));
      store<f32>(zi + o, load<f32>(m + o) + n);
    }
  }
}

/**
 * Backward of reparam_forward given dz (batch × k): dmu += dz, dlogvar += ½·dz·ε·e^(½·logvar) (row stride ld,
 * like mu / logvar). Adds, so that the KL gradient (kl_normal_backward) can be written first.
 */
export function reparam_backward(
  batch: i32, k: i32, logvar: usize, ld: i32, eps: usize, dz: usize, dmu: usize, dlogvar: usize,
): void {
  const half = f32x4.splat(0.5);
  const k4 = k & ~3;
  for (let i = 0; i < batch; i++) {
    const l = at(logvar, i, ld);
    const e = at(eps, i, k);
    const g = at(dz, i, k);
    const dm = at(dmu, i, ld);
    const dl = at(dlogvar, i, ld);
    let j = 0;
    for (; j < k4; j += 4) {
      const o = <usize>j << 2;
      const gv = v128.load(g + o);
      v128.store(dm + o, f32x4.add(v128.load(dm + o), gv));
      const t = f32x4.mul(f32x4.mul(half, gv), noise4(v128.load(l + o), v128.load(e + o)));
      v128.store(dl + o, f32x4.add(v128.load(dl + o), t));
    }
    for (; j < k; j++) {
      const o = <usize>j << 2;
      const gs = load<f32>(g + o);
      store<f32>(dm + o, load<f32>(dm + o) + gs);
      const t = <f32>0.5 * gs * lane0(noise4(f32x4.splat(load<f32>(l + o)), f32x4.splat(load<f32>(e + o))));
      store<f32>(dl + o, load<f32>(dl + o) + t);
    }
  }
}
