// L2-regularised logistic regression (scikit-learn's LogisticRegression with penalty 'l2', lbfgs's objective:
// ½‖w‖² + C·Σ log(1 + exp(−yᵢ(xᵢ·w + b))), the intercept not penalised), fitted by Newton's method. A small
// classifier to measure things with (e.g. whether an attribute edit changes what a face shows): the features are
// few (PCA scores, latent codes), so the (d+1)² Hessian is cheap and Newton converges in a handful of steps.
import { loadEngine } from './engine-builds.js';
import { GaussfaceError } from './errors.js';
import { gram, spdSolve } from './local-maths.js';
import { asMatrix, type MatrixLike } from './matrix.js';

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength, as in scikit-learn (default 1; smaller = stronger L2 penalty). */
  C?: number;
  /** Newton steps at most (default 100). */
  maxIter?: number;
  /** Stop when half the Newton decrement gᵀH⁻¹g/2 (the predicted decrease of the objective) is below this (default 1e-10). */
  tol?: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + eᶻ) without overflow. */
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/**
 * Binary logistic regression with an L2 penalty. Labels: 1 (or any value > 0) is the positive class, 0 or −1 the
 * negative one.
 *
 * ```js
 * import { LogisticRegression } from 'gaussface';
 * const clf = await new LogisticRegression({ C: 0.1 }).fit(features, labels);
 * clf.predictProba(moreFeatures); // P(label 1) per row
 * ```
 */
export class LogisticRegression {
  readonly C: number;
  readonly maxIter: number;
  readonly tol: number;
  /** Weights, one per feature (after fit). */
  coef = new Float64Array(0);
  intercept = 0;
  nIter = 0;
  converged = false;

  constructor(opts: LogisticRegressionOptions = {}) {
    const { C = 1, maxIter = 100, tol = 1e-10 } = opts;
    if (!(C > 0) || !Number.isFinite(C)) throw new GaussfaceError(`LogisticRegression: C must be a finite number > 0, got ${C}`, 'EINPUT');
    if (!Number.isInteger(maxIter) || maxIter < 1) throw new GaussfaceError(`LogisticRegression: maxIter must be an integer ≥ 1, got ${maxIter}`, 'EINPUT');
    if (!(tol > 0)) throw new GaussfaceError(`LogisticRegression: tol must be > 0, got ${tol}`, 'EINPUT');
    [this.C, this.maxIter, this.tol] = [C, maxIter, tol];
  }

  /** Fits the weights and intercept to X (n × d) and labels (n values). */
  async fit(X: MatrixLike, labels: ArrayLike<number>): Promise<this> {
    const m = asMatrix(X, 'X', { minRows: 2 });
    const [n, d] = [m.rows, m.cols];
    if (labels.length !== n) throw new GaussfaceError(`LogisticRegression.fit: ${labels.length} labels for ${n} rows of X`, 'ESHAPE');
    const t = Float64Array.from(labels, (l) => (l > 0 ? 1 : 0));
    const pos = t.reduce((s, v) => s + v, 0);
    if (pos === 0 || pos === n) throw new GaussfaceError('LogisticRegression.fit needs rows of both classes (labels 1 and 0 or −1)', 'EINPUT');
    const e = await loadEngine();
    const D = d + 1; // the intercept is the last coordinate
    const theta = new Float64Array(D);
    const z = new Float64Array(n);
    const margins = (th: Float64Array) => {
      for (let i = 0; i < n; i++) {
        let s = th[d];
        for (let j = 0; j < d; j++) s += m.data[i * d + j] * th[j];
        z[i] = s;
      }
    };
    const objective = (th: Float64Array) => {
      margins(th);
      let f = 0;
      for (let j = 0; j < d; j++) f += 0.5 * th[j] * th[j];
      for (let i = 0; i < n; i++) f += this.C * softplus(t[i] ? -z[i] : z[i]);
      return f;
    };
    let f = objective(theta);
    const Xs = new Float32Array(n * D);
    [this.nIter, this.converged] = [0, false];
    while (this.nIter < this.maxIter) {
      this.nIter++;
      // Gradient and Hessian at theta (z holds its margins): g = [w; 0] + C·Xᵀ(p − t), H = diag(1…1, 0) + C·XᵀSX.
      const g = new Float64Array(D);
      for (let j = 0; j < d; j++) g[j] = theta[j];
      for (let i = 0; i < n; i++) {
        const p = sigmoid(z[i]);
        const r = this.C * (p - t[i]);
        for (let j = 0; j < d; j++) g[j] += r * m.data[i * d + j];
        g[d] += r;
        const w = Math.sqrt(this.C * p * (1 - p));
        for (let j = 0; j < d; j++) Xs[i * D + j] = w * m.data[i * d + j];
        Xs[i * D + d] = w;
      }
      const H = gram(e, Xs, n, D);
      for (let j = 0; j < d; j++) H[j * D + j] += 1;
      H[d * D + d] += 1e-12; // all-saturated probabilities would leave the intercept's curvature 0
      const step = spdSolve(e, H, g, D);
      if (!step) throw new GaussfaceError('LogisticRegression.fit: the Hessian is not positive definite (features with huge values?); scale the features', 'ENOTPD');
      const decrement = step.reduce((s, v, j) => s + v * g[j], 0) / 2;
      if (!(decrement > this.tol)) {
        this.converged = true;
        break;
      }
      // Backtracking: Newton's full step can overshoot while the probabilities are far from the labels.
      let a = 1;
      let next = theta.map((v, j) => v - step[j]);
      let fNext = objective(next);
      while (!(fNext <= f - 1e-4 * a * 2 * decrement) && a > 1e-10) {
        a /= 2;
        next = theta.map((v, j) => v - a * step[j]);
        fNext = objective(next);
      }
      theta.set(next); // z already holds next's margins: it was evaluated last
      f = fNext;
    }
    this.coef = theta.slice(0, d);
    this.intercept = theta[d];
    return this;
  }

  private fitted(X: MatrixLike, what: string) {
    if (!this.coef.length) throw new GaussfaceError(`LogisticRegression.${what}: call fit first`, 'EINPUT');
    return asMatrix(X, 'X', { cols: this.coef.length });
  }

  /** x·w + b per row (the log-odds of label 1). */
  decisionFunction(X: MatrixLike): Float64Array {
    const m = this.fitted(X, 'decisionFunction');
    const d = m.cols;
    return Float64Array.from({ length: m.rows }, (_, i) => {
      let s = this.intercept;
      for (let j = 0; j < d; j++) s += m.data[i * d + j] * this.coef[j];
      return s;
    });
  }

  /** P(label 1) per row. */
  predictProba(X: MatrixLike): Float64Array {
    return this.decisionFunction(X).map(sigmoid);
  }

  /** 1 where P(label 1) > ½, else 0. */
  predict(X: MatrixLike): Uint8Array {
    return Uint8Array.from(this.decisionFunction(X), (s) => (s > 0 ? 1 : 0));
  }

  /** Fraction of rows whose predicted class is their label's (labels as in fit). */
  score(X: MatrixLike, labels: ArrayLike<number>): number {
    const y = this.predict(X);
    if (labels.length !== y.length) throw new GaussfaceError(`LogisticRegression.score: ${labels.length} labels for ${y.length} rows of X`, 'ESHAPE');
    let right = 0;
    for (let i = 0; i < y.length; i++) if (y[i] === (labels[i] > 0 ? 1 : 0)) right++;
    return right / y.length;
  }
}
