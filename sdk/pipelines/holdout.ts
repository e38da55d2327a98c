// The train / held-out split every gaussface tool shares: row i is held out when i % 5 == 4 (fit --holdout,
// evaluate, vae train --holdout, the tests' anchors). Written once, so that a model file's record of the split
// (`info.holdout`) means the same thing everywhere.
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';

/** How a model file records that it was fitted on the training side of the split (its `info.holdout`). */
export const HOLDOUT_RULE = 'i % 5 == 4';

/** Whether row `i` of a data set is on the held-out side of the split. */
export const isHeldOut = (i: number): boolean => i % 5 === 4;

/** Whether a model's provenance (`ImageModel.info`, `VAE.info`) says it was fitted without the held-out rows. */
export const hasHoldout = (info: Record<string, string | undefined>): boolean => info.holdout === HOLDOUT_RULE;

/**
 * The rows of X on one side of the split, in order, as a new matrix: the training rows (i % 5 != 4) by default,
 * the held-out rows (i % 5 == 4) with `heldOut: true`.
 *
 * ```js
 * import { holdoutRows, syntheticFaces } from 'gaussface';
 * const { X } = syntheticFaces({ n: 100 });
 * const [train, test] = [holdoutRows(X), holdoutRows(X, { heldOut: true })]; // 80 and 20 rows
 * ```
 */
export function holdoutRows(X: MatrixLike, { heldOut = false }: { heldOut?: boolean } = {}): Matrix<Float32Array> {
  const m = asMatrix(X, 'X', { finite: false });
  const keep: number[] = [];
  for (let i = 0; i < m.rows; i++) if (isHeldOut(i) === heldOut) keep.push(i);
  const out = new Float32Array(keep.length * m.cols);
  keep.forEach((src, k) => out.set(m.row(src), k * m.cols));
  return new Matrix(keep.length, m.cols, out);
}
