// Adam over one flat f32 parameter buffer, in PyTorch's (1.13) operation order, and gradient zeroing.

// @ts-ignore: decorator
@inline function ld(p: usize, one: bool): v128 {
  return one ? f32x4.splat(load<f32>(p)) : v128.load(p);
}

// @ts-ignore: decorator
@inline function st(p: usize, v: v128, one: bool): void {
  if (one) store<f32>(p, f32x4.extract_lane(v, 0));
  else v128.store(p, v);
}

/**
 * x with the lanes below `floor` in magnitude set to 0. Adam keeps its operands out of f32's subnormal range this
 * way: a parameter whose gradient stays zero (a dead ReLU unit) decays m towards subnormals, and subnormal
 * arithmetic is ~60× slower on x86, where wasm cannot set flush-to-zero. The values cut are far below any update
 * they could make (lr·m/(√v + eps) with m < 2⁻¹⁰⁰).
 */
// @ts-ignore: decorator
@inline function flush(x: v128, floor: v128): v128 {
  return v128.and(x, f32x4.ge(f32x4.abs(x), floor));
}

/** Adam on the 4 values at byte offset o (or only the first when `one`: loop tails, same bits). */
// @ts-ignore: decorator
@inline function step4(
  P: usize, G: usize, M: usize, V: usize, o: usize, one: bool,
  b1: v128, c1: v128, b2: v128, c2: v128, negStep: v128, bc2sqrt: v128, eps: v128, gFloor: v128, floor: v128,
): void {
  const g = flush(ld(G + o, one), gFloor);
  const m = f32x4.add(f32x4.mul(flush(ld(M + o, one), floor), b1), f32x4.mul(g, c1));
  const v = f32x4.add(f32x4.mul(flush(ld(V + o, one), floor), b2), f32x4.mul(f32x4.mul(g, g), c2));
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), bc2sqrt), eps);
  st(M + o, m, one);
  st(V + o, v, one);
  st(P + o, f32x4.add(ld(P + o, one), f32x4.div(f32x4.mul(negStep, m), denom)), one);
}

/**
 * One Adam step (t = 1, 2, … counts steps including this one) on n parameters P with gradients G and moment
 * buffers M, V (zero before step 1):
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  p ← p − (lr/(1−β1^t))·m / (√v/√(1−β2^t) + eps).
 * The bias corrections are computed in f64 from the f64 hyper-parameters, as PyTorch does in Python.
 */
export function adam_step(
  n: i32, P: usize, G: usize, M: usize, V: usize, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32,
): void {
  const b1 = f32x4.splat(<f32>beta1);
  const c1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2);
  const c2 = f32x4.splat(<f32>(1 - beta2));
  const negStep = f32x4.splat(<f32>(-lr / (1 - Math.pow(beta1, t))));
  const bc2sqrt = f32x4.splat(<f32>Math.sqrt(1 - Math.pow(beta2, t)));
  const ev = f32x4.splat(<f32>eps);
  // Floors: g ≥ 2⁻⁵⁶ keeps (1 − β2)·g² normal, m, v ≥ 2⁻¹⁰⁰ keep their decay normal (differences of such values
  // are 0 or normal, so m and v never become subnormal).
  const gFloor = f32x4.splat(1.3877787807814457e-17);
  const floor = f32x4.splat(7.888609052210118e-31);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) step4(P, G, M, V, <usize>i << 2, false, b1, c1, b2, c2, negStep, bc2sqrt, ev, gFloor, floor);
  for (; i < n; i++) step4(P, G, M, V, <usize>i << 2, true, b1, c1, b2, c2, negStep, bc2sqrt, ev, gFloor, floor);
}

/** X[0..n) = 0 (f32), e.g. the gradient buffer before a backward pass. */
export function nn_zero(n: i32, X: usize): void {
  memory.fill(X, 0, <usize>n << 2);
}
