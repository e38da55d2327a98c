// Exact t-SNE (van der Maaten & Hinton, 2008) for 2-D maps of a few thousand points, e.g. VAE latent means:
// Gaussian affinities at a given perplexity, Student-t similarities in the map, gradient descent with momentum
// and early exaggeration. O(n²) per iteration; seeded, so a map is reproducible.
import { GaussfaceError } from './errors.js';
import { localEngine } from './local.js';
import { asMatrix, Matrix, type MatrixLike } from './matrix.js';
import { Random } from './random.js';

export interface TsneOptions {
  /** Effective number of neighbours (default 30; must be below the number of points). */
  perplexity?: number;
  /** Gradient steps (default 750). */
  iterations?: number;
  learningRate?: number;
  randomState?: number;
  onProgress?: (p: { iteration: number; iterations: number }) => void;
}

/** Squared Euclidean distances between all rows (f64). */
function sqDistances(X: Matrix<Float32Array>): Float64Array {
  const [n, d] = [X.rows, X.cols];
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (X.data[i * d + c] - X.data[j * d + c]) ** 2;
      D[i * n + j] = D[j * n + i] = s;
    }
  return D;
}

/** Symmetric joint probabilities P from conditional Gaussians whose widths match the perplexity. */
function affinities(D: Float64Array, n: number, perplexity: number): Float64Array {
  const P = new Float64Array(n * n);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    let [beta, lo, hi] = [1, 0, Infinity];
    const row = P.subarray(i * n, (i + 1) * n);
    for (let step = 0; step < 64; step++) {
      let sum = 0;
      let dot = 0;
      for (let j = 0; j < n; j++) {
        row[j] = j === i ? 0 : Math.exp(-beta * D[i * n + j]);
        sum += row[j];
        dot += row[j] * D[i * n + j];
      }
      const entropy = Math.log(sum || 1e-300) + (beta * dot) / (sum || 1e-300);
      for (let j = 0; j < n; j++) row[j] /= sum || 1;
      if (Math.abs(entropy - target) < 1e-5) break;
      if (entropy > target) [lo, beta] = [beta, hi === Infinity ? beta * 2 : (beta + hi) / 2];
      else [hi, beta] = [beta, (beta + lo) / 2];
    }
  }
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) P[i * n + j] = P[j * n + i] = Math.max((P[i * n + j] + P[j * n + i]) / (2 * n), 1e-12);
  return P;
}

/**
 * A 2-D embedding of the rows of X (n × 2, float64).
 *
 * ```js
 * import { tsne } from 'gaussface';
 * const map = await tsne(latentMeans, { perplexity: 30, randomState: 0 });
 * ```
 */
export async function tsne(X: MatrixLike, opts: TsneOptions = {}): Promise<Matrix<Float64Array>> {
  const data = asMatrix(X, 'X', { minRows: 3 });
  const n = data.rows;
  const { perplexity = 30, iterations = 750, learningRate = Math.max(n / 12, 50), randomState = 0, onProgress } = opts;
  if (!(perplexity > 1 && perplexity < n)) throw new GaussfaceError(`tsne: perplexity must be between 1 and the number of points (${n}), got ${perplexity}`, 'EINPUT');
  if (n > 5000) throw new GaussfaceError(`tsne: ${n} points is too many for exact t-SNE (O(n²)); embed a sample of at most 5000`, 'EINPUT');
  const P = affinities(sqDistances(data), n, perplexity);
  const Y = Float64Array.from(new Random(randomState, 11).normal(await localEngine(), n * 2), (v) => v * 1e-4);
  const [vel, gains, grad] = [new Float64Array(n * 2), new Float64Array(n * 2).fill(1), new Float64Array(n * 2)];
  const Q = new Float64Array(n * n);
  for (let it = 0; it < iterations; it++) {
    const exaggeration = it < 250 ? 12 : 1;
    const momentum = it < 250 ? 0.5 : 0.8;
    let qsum = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const q = 1 / (1 + (Y[2 * i] - Y[2 * j]) ** 2 + (Y[2 * i + 1] - Y[2 * j + 1]) ** 2);
        Q[i * n + j] = Q[j * n + i] = q;
        qsum += 2 * q;
      }
    grad.fill(0);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const q = Q[i * n + j];
        const f = 4 * (exaggeration * P[i * n + j] - q / qsum) * q;
        grad[2 * i] += f * (Y[2 * i] - Y[2 * j]);
        grad[2 * i + 1] += f * (Y[2 * i + 1] - Y[2 * j + 1]);
      }
    for (let k = 0; k < 2 * n; k++) {
      gains[k] = Math.sign(grad[k]) !== Math.sign(vel[k]) ? gains[k] + 0.2 : Math.max(0.01, gains[k] * 0.8);
      vel[k] = momentum * vel[k] - learningRate * gains[k] * grad[k];
      Y[k] += vel[k];
    }
    if (it % 50 === 49) {
      onProgress?.({ iteration: it + 1, iterations });
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  return new Matrix(n, 2, Y);
}
