// @ts-check
// Measuring an attribute edit (bench/quality/smile.mjs; tested in test/attribute-edit.test.mjs): does adding a
// direction to a face's code make a classifier that never saw the direction see the attribute, and is the face
// still the same person (its re-encoded code's nearest neighbour among the faces' codes is its own)? Works for any
// encoder/decoder pair — a VAE (posterior means), a PCA (transform / inverseTransform) — so edits in different
// latent spaces compare. Kept out of the published bundle (its size budget): only the measurement uses it.
import { asMatrix, GaussfaceError, Matrix, nearestNeighbours } from '../../dist/index.js';

const sigmoid = (/** @type {number} */ z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + eᶻ) without overflow. */
const softplus = (/** @type {number} */ z) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/**
 * Binary L2-regularised logistic regression with scikit-learn's objective (penalty 'l2'):
 * ½‖w‖² + C·Σ log(1 + exp(−yᵢ(xᵢ·w + b))), the intercept not penalised; fitted by Newton's method with
 * backtracking (few features — PCA scores, latent codes — so the (d+1)² Hessian is cheap). Labels: 1 (or > 0)
 * positive, 0 or −1 negative.
 */
export class LogisticRegression {
  /** @param {{ C?: number, maxIter?: number, tol?: number }} [opts] C as scikit-learn's; tol on half the Newton decrement */
  constructor({ C = 1, maxIter = 100, tol = 1e-10 } = {}) {
    if (!(C > 0) || !Number.isFinite(C)) throw new GaussfaceError(`LogisticRegression: C must be a finite number > 0, got ${C}`, 'EINPUT');
    if (!Number.isInteger(maxIter) || maxIter < 1) throw new GaussfaceError(`LogisticRegression: maxIter must be an integer ≥ 1, got ${maxIter}`, 'EINPUT');
    [this.C, this.maxIter, this.tol] = [C, maxIter, tol];
    this.coef = new Float64Array(0);
    [this.intercept, this.nIter, this.converged] = [0, 0, false];
  }

  /** @param {import('../../dist/index.js').MatrixLike} X @param {ArrayLike<number>} labels */
  fit(X, labels) {
    const m = asMatrix(X, 'X', { minRows: 2 });
    const [n, d, C] = [m.rows, m.cols, this.C];
    if (labels.length !== n) throw new GaussfaceError(`LogisticRegression.fit: ${labels.length} labels for ${n} rows of X`, 'ESHAPE');
    const t = Float64Array.from(labels, (l) => (l > 0 ? 1 : 0));
    const pos = t.reduce((s, v) => s + v, 0);
    if (pos === 0 || pos === n) throw new GaussfaceError('LogisticRegression.fit needs rows of both classes (labels 1 and 0 or −1)', 'EINPUT');
    const D = d + 1; // the intercept is the last coordinate
    const x = (/** @type {number} */ i, /** @type {number} */ j) => (j < d ? m.data[i * d + j] : 1);
    const z = new Float64Array(n);
    const objective = (/** @type {Float64Array} */ th) => {
      let f = 0;
      for (let j = 0; j < d; j++) f += 0.5 * th[j] * th[j];
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < D; j++) s += x(i, j) * th[j];
        z[i] = s;
        f += C * softplus(t[i] ? -s : s);
      }
      return f;
    };
    let theta = new Float64Array(D);
    let f = objective(theta);
    [this.nIter, this.converged] = [0, false];
    while (this.nIter < this.maxIter) {
      this.nIter++;
      // At theta (z holds its margins): g = [w; 0] + C·Xᵀ(p − t), H = diag(1…1, 0) + C·XᵀSX, S = p(1 − p).
      const g = Float64Array.from(theta, (v, j) => (j < d ? v : 0));
      const H = new Float64Array(D * D);
      for (let j = 0; j < d; j++) H[j * D + j] = 1;
      H[D * D - 1] = 1e-12; // all-saturated probabilities would leave the intercept's curvature 0
      for (let i = 0; i < n; i++) {
        const p = sigmoid(z[i]);
        const [r, w] = [C * (p - t[i]), C * p * (1 - p)];
        for (let j = 0; j < D; j++) {
          const xj = x(i, j);
          g[j] += r * xj;
          for (let k = 0; k <= j; k++) H[j * D + k] += w * xj * x(i, k);
        }
      }
      const step = choleskySolve(H, g, D);
      const decrement = step.reduce((s, v, j) => s + v * g[j], 0) / 2;
      if (!(decrement > this.tol)) {
        this.converged = true;
        break;
      }
      // Backtracking: the full step can overshoot while the probabilities are far from the labels.
      let a = 1;
      let next = theta.map((v, j) => v - step[j]);
      let fNext = objective(next);
      while (!(fNext <= f - 1e-4 * a * 2 * decrement) && a > 1e-10) {
        a /= 2;
        next = theta.map((v, j) => v - a * step[j]);
        fNext = objective(next);
      }
      [theta, f] = [next, fNext]; // z holds next's margins: it was evaluated last
    }
    this.coef = theta.slice(0, d);
    this.intercept = theta[d];
    return this;
  }

  /** x·w + b per row (the log-odds of label 1). @param {import('../../dist/index.js').MatrixLike} X */
  decisionFunction(X) {
    if (!this.coef.length) throw new GaussfaceError('LogisticRegression: call fit first', 'EINPUT');
    const m = asMatrix(X, 'X', { cols: this.coef.length });
    return Float64Array.from({ length: m.rows }, (_, i) => m.row(i).reduce((s, v, j) => s + v * this.coef[j], this.intercept));
  }

  /** P(label 1) per row. @param {import('../../dist/index.js').MatrixLike} X */
  predictProba(X) {
    return this.decisionFunction(X).map(sigmoid);
  }

  /** 1 where P(label 1) > ½, else 0. @param {import('../../dist/index.js').MatrixLike} X */
  predict(X) {
    return Uint8Array.from(this.decisionFunction(X), (s) => (s > 0 ? 1 : 0));
  }

  /** Fraction of rows classified as their label. @param {import('../../dist/index.js').MatrixLike} X @param {ArrayLike<number>} labels */
  score(X, labels) {
    const y = this.predict(X);
    if (labels.length !== y.length) throw new GaussfaceError(`LogisticRegression.score: ${labels.length} labels for ${y.length} rows of X`, 'ESHAPE');
    return y.reduce((s, v, i) => s + (v === (labels[i] > 0 ? 1 : 0) ? 1 : 0), 0) / y.length;
  }
}

/** x with A·x = b for a symmetric positive definite A (lower triangle read), by Cholesky in float64. */
function choleskySolve(/** @type {Float64Array} */ A, /** @type {Float64Array} */ b, /** @type {number} */ n) {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new GaussfaceError('LogisticRegression: the Hessian is not positive definite (features with huge values?); scale the features', 'ENOTPD');
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = (b[i] - L.subarray(i * n, i * n + i).reduce((s, v, k) => s + v * y[k], 0)) / L[i * n + i];
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * y[k];
    y[i] = s / L[i * n + i];
  }
  return y;
}

/** The codes of an encoder's answer (a VAE's encode gives { mu, logvar }). */
const means = async (/** @type {{ encode(X: Matrix<Float32Array>): Promise<any> }} */ c, /** @type {Matrix<Float32Array>} */ X) => {
  const z = await c.encode(X);
  return z instanceof Matrix ? z : z.mu;
};

/**
 * Edits `faces[rows]` at every strength (code + strength·direction, decoded, pixels clipped to [0, 1] as shown)
 * and measures each strength: the fraction `classify` gives the attribute (P > ½), the mean P, and the fraction
 * whose decoded face, encoded again by `identity` (default: the codec), is nearest to its own face's code.
 * @param {{ encode(X: Matrix<Float32Array>): Promise<any>, decode(Z: Matrix<Float32Array>): Promise<Matrix<Float32Array>> }} codec
 * @param {import('../../dist/index.js').MatrixLike} faces
 * @param {ArrayLike<number>} direction
 * @param {{ strengths: number[], classify: (images: Matrix<Float32Array>) => ArrayLike<number> | Promise<ArrayLike<number>>, rows?: ArrayLike<number>, identity?: { encode(X: Matrix<Float32Array>): Promise<any> } }} opts
 */
export async function measureAttributeEdit(codec, faces, direction, opts) {
  const X = asMatrix(faces, 'faces', { minRows: 1 });
  const rows = opts.rows ? Array.from(opts.rows) : Array.from({ length: X.rows }, (_, i) => i);
  if (rows.some((r) => !Number.isInteger(r) || r < 0 || r >= X.rows)) throw new GaussfaceError(`measureAttributeEdit: rows must be indices below ${X.rows} (the faces)`, 'EINPUT');
  if (!opts.strengths?.length || !opts.strengths.every(Number.isFinite)) throw new GaussfaceError('measureAttributeEdit: strengths must be a non-empty list of finite numbers', 'EINPUT');
  const Z = await means(codec, X);
  const L = Z.cols;
  if (direction.length !== L) throw new GaussfaceError(`measureAttributeEdit: the direction has ${direction.length} values, the codes ${L}`, 'ESHAPE');
  const identity = opts.identity ?? codec;
  const reference = identity === codec ? Z : await means(identity, X);
  const out = [];
  for (const strength of opts.strengths) {
    const edited = new Matrix(rows.length, L, new Float32Array(rows.length * L));
    rows.forEach((r, k) => {
      for (let c = 0; c < L; c++) edited.data[k * L + c] = Z.data[r * L + c] + strength * direction[c];
    });
    const images = await codec.decode(edited);
    for (let i = 0; i < images.data.length; i++) images.data[i] = Math.min(1, Math.max(0, images.data[i]));
    const p = await opts.classify(images);
    if (p.length !== rows.length) throw new GaussfaceError(`measureAttributeEdit: classify returned ${p.length} values for ${rows.length} images`, 'ESHAPE');
    const nn = await nearestNeighbours(await means(identity, images), reference);
    let [hits, sum, kept] = [0, 0, 0];
    rows.forEach((r, k) => {
      if (p[k] > 0.5) hits++;
      sum += p[k];
      if (nn.index[k] === r) kept++;
    });
    out.push({ strength, attributeRate: hits / rows.length, meanProbability: sum / rows.length, identityKept: kept / rows.length });
  }
  return out;
}

/** w without its parts along `dirs` (made orthogonal to all of them, Gram–Schmidt), as float64. */
export function orthogonalised(/** @type {ArrayLike<number>} */ w, /** @type {ArrayLike<number>[]} */ dirs) {
  const basis = [];
  for (const u of dirs) {
    if (u.length !== w.length) throw new GaussfaceError(`orthogonalised: a direction has ${u.length} values, w ${w.length}`, 'ESHAPE');
    const b = Float64Array.from(u);
    for (const e of basis) {
      const d = b.reduce((s, x, c) => s + x * e[c], 0);
      b.forEach((x, c) => (b[c] = x - d * e[c]));
    }
    const n = Math.hypot(...b);
    if (n > 1e-9) basis.push(b.map((x) => x / n));
  }
  const v = Float64Array.from(w);
  for (const e of basis) {
    const d = v.reduce((s, x, c) => s + x * e[c], 0);
    v.forEach((x, c) => (v[c] = x - d * e[c]));
  }
  return v;
}
