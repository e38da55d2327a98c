// Fully connected layer in PyTorch's Linear layout (W: nout × nin, row-major), batch-major rows. The
// products go through the engine's sgemm; this file only adds the bias terms around them.
import { gemm } from "../blas";

/** Y[i, :] = b for every row i of the m × n matrix Y (row stride n). */
function fill_rows(m: i32, n: i32, b: usize, Y: usize): void {
  const bytes = <usize>n << 2;
  for (let i = 0; i < m; i++) memory.copy(Y + <usize>i * bytes, b, bytes);
}

/** db[j] += Σ_i dY[i, j] over the m × n matrix dY (row stride n). */
function add_col_sums(m: i32, n: i32, dY: usize, db: usize): void {
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = dY + ((<usize>i * <usize>n) << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(db + o, f32x4.add(v128.load(db + o), v128.load(row + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(db + o, load<f32>(db + o) + load<f32>(row + o));
    }
  }
}

/**
 * Linear forward: Y = X·Wᵀ + b. X: batch × nin, W: nout × nin, b: nout (or 0 for no bias), Y: batch × nout
 * (f32). Y must not alias X or W.
 */
export function dense_forward(batch: i32, nin: i32, nout: i32, X: usize, W: usize, b: usize, Y: usize): void {
  if (b != 0) fill_rows(batch, nout, b, Y);
  gemm(0, 1, batch, nout, nin, 1, X, nin, W, nin, b != 0 ? 1 : 0, Y, nout);
}

/**
 * Linear backward: dX = dY·W (skipped when dX = 0, e.g. for the first layer), dW += dYᵀ·X, db += Σ_rows dY
 * (skipped when db = 0). Shapes as dense_forward; dW and db accumulate, so zero them once per step (nn_zero).
 */
export function dense_backward(
  batch: i32, nin: i32, nout: i32, X: usize, W: usize, dY: usize, dX: usize, dW: usize, db: usize,
): void {
  if (dX != 0) gemm(0, 0, batch, nin, nout, 1, dY, nout, W, nin, 0, dX, nin);
  gemm(1, 0, nout, nin, batch, 1, dY, nout, X, nin, 1, dW, nin);
  if (db != 0) add_col_sums(batch, nout, dY, db);
}
