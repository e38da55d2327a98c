// Nearest neighbours by brute force: ‖a − b‖² = ‖a‖² − 2·a·b + ‖b‖², the cross term one matmul per block of
// queries (in the pool for large inputs).
import { matmul } from './linalg.js';
import { asMatrix, Matrix, type MatrixLike } from './matrix.js';
import type { Pool } from './pool.js';

export interface Neighbours {
  /** Index into the reference set of each query's nearest row. */
  index: Int32Array;
  /** Euclidean distance to it. */
  distance: Float64Array;
}

const rowNorms = (m: Matrix<Float32Array>) => Float64Array.from({ length: m.rows }, (_, i) => m.row(i).reduce((s, v) => s + v * v, 0));

/** For every row of `queries`, the nearest row of `reference` (squared distances clamped at 0). */
export async function nearestNeighbours(queries: MatrixLike, reference: MatrixLike, opts: { pool?: Pool; signal?: AbortSignal; exclude?: 'self' } = {}): Promise<Neighbours> {
  const Q = asMatrix(queries, 'queries');
  const R = asMatrix(reference, 'reference', { cols: Q.cols });
  const [qn, rn] = [rowNorms(Q), rowNorms(R)];
  const Rt = new Float32Array(R.cols * R.rows);
  for (let i = 0; i < R.rows; i++) for (let j = 0; j < R.cols; j++) Rt[j * R.rows + i] = R.data[i * R.cols + j];
  const cross = await matmul(Q, { data: Rt, shape: [R.cols, R.rows] }, opts);
  const index = new Int32Array(Q.rows);
  const distance = new Float64Array(Q.rows);
  for (let i = 0; i < Q.rows; i++) {
    let [best, bd] = [-1, Infinity];
    for (let j = 0; j < R.rows; j++) {
      if (opts.exclude === 'self' && i === j) continue;
      const d = qn[i] - 2 * cross.data[i * R.rows + j] + rn[j];
      if (d < bd) [best, bd] = [j, d];
    }
    index[i] = best;
    distance[i] = Math.sqrt(Math.max(0, bd));
  }
  return { index, distance };
}
