// Element-wise activations, forward and backward, over n contiguous f32. Outputs may alias inputs (in place).
import { lane0, sigmoid4 } from "./lanes";

const RELU = 0;
const LEAKY = 1;
const SIGMOID = 2;
// Backward ops read two inputs: a = the forward's output y, b = dy.
const RELU_GRAD = 3;
const LEAKY_GRAD = 4;
const SIGMOID_GRAD = 5;

// @ts-ignore: decorator
@inline function op4(op: i32, a: v128, b: v128, slope: v128): v128 {
  const zero = f32x4.splat(0);
  if (op == RELU) return f32x4.max(a, zero);
  if (op == LEAKY) return v128.bitselect(a, f32x4.mul(a, slope), f32x4.gt(a, zero));
  if (op == SIGMOID) return sigmoid4(a);
  if (op == RELU_GRAD) return v128.and(b, f32x4.gt(a, zero));
  if (op == LEAKY_GRAD) return v128.bitselect(b, f32x4.mul(b, slope), f32x4.gt(a, zero));
  return f32x4.mul(b, f32x4.mul(a, f32x4.sub(f32x4.splat(1), a))); // SIGMOID_GRAD
}

/** out[i] = op(a[i], b[i]) over n values; `op` is a constant, so each caller inlines one specialised loop. */
// @ts-ignore: decorator
@inline function map(op: i32, n: i32, a: usize, b: usize, out: usize, slope: f32): void {
  const binary = op >= RELU_GRAD;
  const sv = f32x4.splat(slope);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const va = v128.load(a + o);
    v128.store(out + o, op4(op, va, binary ? v128.load(b + o) : va, sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const va = f32x4.splat(load<f32>(a + o));
    store<f32>(out + o, lane0(op4(op, va, binary ? f32x4.splat(load<f32>(b + o)) : va, sv)));
  }
}

/** y = max(x, 0). */
export function relu_forward(n: i32, x: usize, y: usize): void {
  map(RELU, n, x, 0, y, 0);
}

/** dx = dy where y > 0, else 0; y is the forward's output (or its input: same sign). */
export function relu_backward(n: i32, y: usize, dy: usize, dx: usize): void {
  map(RELU_GRAD, n, y, dy, dx, 0);
}

/** y = x for x > 0, slope·x otherwise. */
export function leaky_relu_forward(n: i32, slope: f32, x: usize, y: usize): void {
  map(LEAKY, n, x, 0, y, slope);
}

/**
 * dx = dy where y > 0, else slope·dy; y is the forward's output, or its input (the same sign for slope > 0,
 * so an in-place forward is fine).
 */
export function leaky_relu_backward(n: i32, slope: f32, y: usize, dy: usize, dx: usize): void {
  map(LEAKY_GRAD, n, y, dy, dx, slope);
}

/** y = 1/(1 + e^−x), stable for any x. */
export function sigmoid_forward(n: i32, x: usize, y: usize): void {
  map(SIGMOID, n, x, 0, y, 0);
}

/** dx = dy·y·(1 − y) with y the forward's output. */
export function sigmoid_backward(n: i32, y: usize, dy: usize, dx: usize): void {
  map(SIGMOID_GRAD, n, y, dy, dx, 0);
}
