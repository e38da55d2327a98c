// Public dense linear algebra.
import { GaussfaceError } from './errors.js';
import { runLocal } from './local.js';
import { asMatrix, Matrix, type MatrixLike } from './matrix.js';
import { chunkRowsFor, getPool, type CallOptions, type Pool } from './pool.js';
import { tasks } from './tasks/index.js';

/** Below this many multiply-adds a product runs in the calling thread (a worker round trip costs more). */
const LOCAL_MADDS = 1 << 22;

export interface MatmulOptions extends CallOptions {
  /** Pool to use for large products (default: the shared pool). */
  pool?: Pool;
}

/**
 * Matrix product `a · b` in float32 (float64-checked accuracy ~1e-6 relative). Large products are split by
 * rows over the worker pool; the result is bit-identical whatever the number of workers.
 *
 * ```js
 * import { matmul, shutdown } from 'gaussface';
 * const c = await matmul([[1, 2], [3, 4]], [[5], [6]]); // Matrix 2×1: [17, 39]
 * await shutdown();
 * ```
 */
export async function matmul(a: MatrixLike, b: MatrixLike, opts: MatmulOptions = {}): Promise<Matrix<Float32Array>> {
  const A = asMatrix(a, 'a');
  const B = asMatrix(b, 'b');
  if (A.cols !== B.rows)
    throw new GaussfaceError(`matmul: a is ${A.rows}×${A.cols} and b is ${B.rows}×${B.cols}; a's columns must equal b's rows`, 'ESHAPE');
  const [m, k, n] = [A.rows, A.cols, B.cols];
  if (m === 0 || n === 0) return new Matrix(m, n, new Float32Array(m * n));
  const params = { b: B.data, k, n };
  if (m * k * n < LOCAL_MADDS && !opts.pool) {
    if (opts.signal?.aborted) throw new GaussfaceError('operation cancelled (AbortSignal)', 'EABORT');
    return new Matrix(m, n, (await runLocal(tasks.linalg.gemm, A.data, m, k, params))!); // returned: no `into`
  }
  const pool = opts.pool ?? (await getPool());
  // At least ~8 chunks, so that a small but heavy product (512³) is still spread over the workers; a function
  // of the shape only, and GEMM rows do not depend on how they are split, so the bits never change.
  const chunkRows = Math.min(chunkRowsFor(k), Math.max(8, Math.ceil(m / 8 / 8) * 8));
  const ds = await pool.upload(A.data, m, k, { ...opts, chunkRows });
  try {
    const parts = await pool.map(tasks.linalg.gemm, ds, params, opts);
    const out = new Float32Array(m * n);
    parts.forEach((p, i) => out.set(p!, ds.chunkRange(i)[0] * n)); // returned: no `into`
    return new Matrix(m, n, out);
  } finally {
    await pool.release(ds);
  }
}
