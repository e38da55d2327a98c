// What every mixture model (Gaussian, factor analysers) derives the same way from its per-sample figures: the
// most probable component, and BIC/AIC from the mean log-likelihood and the parameter count.
import { asMatrix, type Matrix, type MatrixLike } from '../matrix.js';
import { Dataset } from '../pool.js';

/** Index of the largest responsibility of each row (the first on a tie). */
export function mostProbable(r: Matrix<Float32Array>): Int32Array {
  const K = r.cols;
  const labels = new Int32Array(r.rows);
  for (let i = 0; i < r.rows; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (r.data[i * K + k] > r.data[i * K + best]) best = k;
    labels[i] = best;
  }
  return labels;
}

/** BIC = −2·n·score + p·ln n, AIC = −2·n·score + 2p (lower is better). */
export async function informationCriterion(kind: 'bic' | 'aic', model: { score(X: MatrixLike | Dataset): Promise<number>; nParameters(): number }, X: MatrixLike | Dataset): Promise<number> {
  const n = X instanceof Dataset ? X.rows : asMatrix(X, 'X', { finite: false }).rows;
  return -2 * (await model.score(X)) * n + model.nParameters() * (kind === 'bic' ? Math.log(n) : 2);
}
