// K-fold splits for held-out model selection: scikit-learn's KFold(n_splits, shuffle=True, random_state=seed),
// so a Python script given the same seed scores the same folds.
import { GaussfaceError } from './errors.js';
import { RandomState } from './legacy-random.js';
import { Matrix } from './matrix.js';

/** One split: row indices of the training part and of the held-out part, both ascending. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * `folds` splits of n rows: a seeded permutation (numpy's `RandomState(seed).permutation(n)`, what KFold's
 * shuffle draws) cut into consecutive parts, the first n mod folds of them one row longer.
 */
export function kFoldSplits(n: number, folds: number, seed: number): Fold[] {
  if (!Number.isInteger(folds) || folds < 2) throw new GaussfaceError(`folds must be an integer ≥ 2, got ${folds}`, 'EINPUT');
  if (folds > n) throw new GaussfaceError(`folds (${folds}) cannot exceed the ${n} samples; use at most ${n} folds`, 'EINPUT');
  const order = new RandomState(seed).permutation(n);
  const out: Fold[] = [];
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const size = Math.floor(n / folds) + (f < n % folds ? 1 : 0);
    const held = new Uint8Array(n);
    for (let i = start; i < start + size; i++) held[order[i]] = 1;
    start += size;
    const [train, test] = [new Int32Array(n - size), new Int32Array(size)];
    for (let i = 0, a = 0, b = 0; i < n; i++) held[i] ? (test[b++] = i) : (train[a++] = i);
    out.push({ train, test });
  }
  return out;
}

/** The rows `index` of X, in that order, as a new float32 matrix. */
export function takeRows(X: Matrix<Float32Array>, index: ArrayLike<number>): Matrix<Float32Array> {
  const out = new Float32Array(index.length * X.cols);
  for (let k = 0; k < index.length; k++) out.set(X.row(index[k]), k * X.cols);
  return new Matrix(index.length, X.cols, out);
}
