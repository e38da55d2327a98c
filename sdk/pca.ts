// PCA: scikit-learn 1.2's estimator (same parameters, solver choice, sign convention and probabilistic model),
// fitted in the worker pool. 'full' reduces the exact f64 covariance over the resident chunks and takes its
// eigendecomposition; 'randomized' is Halko et al.'s range finder with every pass streaming over the chunks.
import type { Engine } from './engine.js';
import { GaussfaceError } from './errors.js';
import { exclusive } from './exclusive.js';
import { eighDesc, gemm, gram } from './local-maths.js';
import { localEngine } from './local.js';
import { asMatrix, Matrix, type MatrixLike } from './matrix.js';
import { columnMeans, fitChunkRows, sumParts, uploadForFit } from './fitdata.js';
import { Dataset, getPool, program, type Pool, type ProgramContext } from './pool.js';
import { Random } from './random.js';
import { enumField, f64Tensor, intField, type ModelState } from './model-state.js';
import type { Tensor } from './safetensors.js';
import type { SketchPart } from './tasks/pca.js';
import { tasks } from './tasks/index.js';
import type { TaskDef } from './tasks/define.js';

// ---------------------------------------------------------------------------------------------------------
// Orthonormalising the randomized range finder's sketches

/**
 * SVQB orthonormalisation (Stathopoulos & Wu): for a Gram matrix G = YᵀY (l × l), W = V·Λ^(−1/2) makes Y·W
 * orthonormal; directions with λ ≤ 1e-10·λmax (below float32 resolution) get a zero column. Unlike Cholesky-QR
 * it cannot fail on a rank-deficient sketch.
 */
function svqb(e: Engine, G: Float64Array, l: number): Float64Array {
  const { values, vectors } = eighDesc(e, G, l);
  const floor = Math.max(values[0], 0) * 1e-10;
  const W = new Float64Array(l * l);
  for (let j = 0; j < l; j++) {
    if (!(values[j] > floor)) continue;
    const s = 1 / Math.sqrt(values[j]);
    for (let i = 0; i < l; i++) W[i * l + j] = vectors[i * l + j] * s;
  }
  return W;
}

/** Y·W for a rows × l f32 matrix whose Gram matrix is unknown: made orthonormal by two SVQB rounds. */
function orthonormalize(e: Engine, Y: Float32Array, rows: number, l: number): Float32Array {
  for (let round = 0; round < 2; round++) Y = gemm(e, Y, rows, l, svqb(e, gram(e, Y, rows, l), l), l);
  return Y;
}

/** Transpose of a rows × cols matrix, as f32. */
export function transpose32(A: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = A[i * cols + j];
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The estimator

export type SvdSolver = 'auto' | 'full' | 'randomized';

/** Options of `new PCA(...)`; defaults are scikit-learn's. */
export interface PCAOptions {
  /** Components to keep: an integer, a fraction 0 < f < 1 of the variance to explain ('full' solver), or
   * undefined for min(n_samples, n_features). */
  nComponents?: number;
  /** Scale the projections to unit variance (default false). */
  whiten?: boolean;
  /** 'auto' (default, scikit-learn 1.2's rule), 'full' or 'randomized'. */
  svdSolver?: SvdSolver;
  /** Extra random directions of the randomized solver (default 10). */
  nOversamples?: number;
  /** Power iterations of the randomized solver: 'auto' (7 if k < 0.1·min(n, d), else 4) or a count. */
  iteratedPower?: 'auto' | number;
  /** Seed of the randomized solver (default: random). */
  randomState?: number;
  /** Worker pool (default: the shared pool). */
  pool?: Pool;
  /** Cancels a call (rejects with code EABORT). */
  signal?: AbortSignal;
  /** Called after each pass over the data of a randomized fit (power iterations, then the projection). */
  onProgress?: (p: { pass: number; passes: number }) => void;
}

interface Fitted {
  k: number;
  d: number;
  nSamples: number;
  solver: 'full' | 'randomized';
  mean: Float64Array;
  /** k × d, rows orthonormal. */
  components: Float64Array;
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
  singularValues: Float64Array;
  noiseVariance: number;
}

/** What a solver returns before the sign convention is applied. */
interface Solution {
  k: number;
  components: Float64Array;
  singularValues: Float64Array;
  /** Σ of the column variances (ddof 1). */
  totalVariance: number;
  /** Σ of all min(n, d) explained variances beyond the first k ('full'), or undefined to derive it. */
  noiseVariance: number;
  /** svd_flip's decision for each component: +1 or −1. */
  signs: Float32Array;
}

/** svd_flip (u-based): the sign of each column of U's entry of largest magnitude (first on ties). */
async function flipSigns(pool: Pool, ds: Dataset, params: { mean?: Float64Array; W: Float32Array; k: number }, signal?: AbortSignal): Promise<Float32Array> {
  const parts = await pool.map(tasks.pca.signs, ds, params, { signal });
  const best = new Float32Array(params.k);
  for (const p of parts) for (let j = 0; j < params.k; j++) if (Math.abs(p[j]) > Math.abs(best[j])) best[j] = p[j];
  return best.map((v) => (v < 0 ? -1 : 1));
}

/** What the randomized solver needs besides the data: components, sketch width, power iterations, seed. */
interface RandomizedSpec {
  k: number;
  l: number;
  power: number;
  seed: number;
}

type PassProgress = (p: { pass: number; passes: number }) => void;

/**
 * Halko et al.'s randomized SVD of the centred data: power iterations Z ← orth(Xcᵀ·orth(Xc·Z)), each one pass
 * over the chunks that returns YᵀY and Xcᵀ·Y for Y = Xc·Z (the orthonormalisation of Y is implicit through its
 * exact Gram matrix); then B = Qᵀ·Xc from the last pass and the small eigenproblem of B·Bᵀ. Every pass centres
 * each chunk into scratch as it goes (resident and streamed rows alike): a centred copy of the data would double
 * the workers' memory for a subtraction that costs a few per cent of a pass. Only Y (n × l) stays.
 */
async function randomizedSvd(pool: Pool, ds: Dataset, mean: Float64Array, spec: RandomizedSpec, signal?: AbortSignal, onProgress?: PassProgress): Promise<Solution> {
  const e = await localEngine();
  const [n, d] = [ds.rows, ds.cols];
  const { k, l, power } = spec;
  let Z = new Random(spec.seed).normal(e, d * l);
  const Y = pool.derive(ds, l);
  try {
    let ssq = 0;
    // One executor holding every chunk (a one-worker fit) sums the passes' results itself, in engine memory.
    const sum = ds.workers === 1 && !ds.streamed;
    let spent: (SketchPart | null)[] | undefined; // the last pass's parts, once summed: their buffers go back to the workers
    const pass = async (keepY?: Dataset) => {
      const params = { d, Z, l, keepY: keepY?.id, sum, mean };
      const parts = await pool.map(tasks.pca.sketch, ds, params, { signal, into: keepY, recycle: spent });
      // Without `sum` every chunk returns its part; with it the last chunk returns the sums.
      if (!spent) ssq = sum ? parts[parts.length - 1]!.ssq : parts.reduce((a, p) => a + p!.ssq, 0); // Σ ‖x − mean‖², chunk order
      const { G, P } = sum ? parts[parts.length - 1]! : { G: sumParts(parts.map((p) => p!.G), e), P: sumParts(parts.map((p) => p!.P), e) };
      spent = parts;
      return { W: svqb(e, G, l), P: Float32Array.from(P) };
    };
    for (let it = 0; it < power; it++) {
      const { W, P } = await pass();
      Z = gemm(e, P, d, l, W, l); // Xcᵀ·Q
      onProgress?.({ pass: it + 1, passes: power + 1 });
    }
    Z = orthonormalize(e, Z, d, l);
    const { W, P } = await pass(Y);
    onProgress?.({ pass: power + 1, passes: power + 1 });
    const Bt = gemm(e, P, d, l, W, l); // (Qᵀ·Xc)ᵀ, d × l
    const { values, vectors } = eighDesc(e, gram(e, Bt, d, l), l);
    const sv = values.subarray(0, k).map((v) => Math.sqrt(Math.max(v, 0)));
    const M = new Float64Array(l * k); // Û·Σ⁻¹ (columns for zero singular values stay 0)
    for (let i = 0; i < l; i++) for (let j = 0; j < k; j++) M[i * k + j] = sv[j] > 0 ? vectors[i * l + j] / sv[j] : 0;
    const components = Float64Array.from(transpose32(gemm(e, Bt, d, l, M, k), d, k));
    const WU = new Float64Array(l * k); // U = Y·W·Û
    for (let i = 0; i < l; i++)
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < l; t++) s += W[i * l + t] * vectors[t * l + j];
        WU[i * k + j] = s;
      }
    const signs = await flipSigns(pool, Y, { W: Float32Array.from(WU), k }, signal);
    return { k, components, signs, singularValues: Float64Array.from(sv), totalVariance: ssq / (n - 1), noiseVariance: NaN };
  } finally {
    await pool.release(Y);
  }
}

/** The randomized solver as a program: a one-worker fit runs every pass inside that worker (no messages). */
const randomizedProgram = program('pca.randomized', ({ pool, datasets: [ds] }: ProgramContext, p: { mean: Float64Array; spec: RandomizedSpec }, progress?: PassProgress) =>
  randomizedSvd(pool, ds, p.mean, p.spec, undefined, progress));

/** The PCA programs the workers run (see programs.ts). */
export const pcaPrograms = { [randomizedProgram.name]: randomizedProgram };

const bad = (what: string) => new GaussfaceError(`PCA: ${what}`, 'EINPUT');

/**
 * What every fitted PCA satisfies, checked on a loaded one: unit-length components (a corrupt but finite entry
 * would scale projections by up to 3e38 and overflow float32 later) and variances ≥ 0.
 */
function checkLoadedPCA(f: Fitted, prefix: string): void {
  const broken = (why: string) => new GaussfaceError(`model file is inconsistent: ${why} — the file is corrupt`, 'EFORMAT');
  for (let r = 0; r < f.k; r++) {
    let norm = 0;
    for (let c = 0; c < f.d; c++) norm += f.components[r * f.d + c] ** 2;
    if (!(Math.abs(Math.sqrt(norm) - 1) <= 1e-3)) throw broken(`row ${r} of "${prefix}components" has length ${Math.sqrt(norm).toPrecision(4)}; PCA components have length 1`);
  }
  for (const [name, v] of [['explained_variance', f.explainedVariance], ['explained_variance_ratio', f.explainedVarianceRatio], ['singular_values', f.singularValues], ['noise_variance', [f.noiseVariance]]] as const)
    if (v.some((x) => !(x >= 0) || (name === 'explained_variance_ratio' && x > 1 + 1e-9))) throw broken(`"${prefix + name}" holds a value out of range (${v.find((x) => !(x >= 0) || x > 1)})`);
}

/**
 * Principal component analysis with scikit-learn's semantics: components, explained variance (ratio), singular
 * values, noise variance, whitening and the probabilistic-PCA likelihood. Fitted in the worker pool; data sets
 * larger than one engine instance are streamed by row chunks.
 *
 * ```js
 * import { PCA, shutdown } from 'gaussface';
 * const pca = await new PCA({ nComponents: 1 }).fit([[2, 0], [0, 1], [-2, 0], [0, -1]]);
 * console.log(pca.components.toArray(), pca.explainedVarianceRatio); // [[1, 0]] (up to sign), [0.8]
 * console.log((await pca.transform([[4, 1]])).toArray());
 * await shutdown();
 * ```
 */
export class PCA {
  readonly nComponents: number | undefined;
  readonly whiten: boolean;
  readonly svdSolver: SvdSolver;
  readonly nOversamples: number;
  readonly iteratedPower: 'auto' | number;
  readonly options: PCAOptions;
  private fitted_: Fitted | undefined;

  constructor(options: PCAOptions = {}) {
    this.options = options;
    this.nComponents = options.nComponents;
    this.whiten = options.whiten ?? false;
    this.svdSolver = options.svdSolver ?? 'auto';
    this.nOversamples = options.nOversamples ?? 10;
    this.iteratedPower = options.iteratedPower ?? 'auto';
    const k = this.nComponents;
    if (k !== undefined && !(Number.isInteger(k) && k >= 1) && !(k > 0 && k < 1))
      throw bad(`nComponents must be an integer ≥ 1, a fraction strictly between 0 and 1, or undefined; got ${k}`);
    if (!['auto', 'full', 'randomized'].includes(this.svdSolver))
      throw bad(`svdSolver must be 'auto', 'full' or 'randomized', got '${this.svdSolver}'`);
    if (this.svdSolver === 'randomized' && k !== undefined && !Number.isInteger(k))
      throw bad(`a fractional nComponents (${k}) needs svdSolver 'full' or 'auto'; give an integer for 'randomized'`);
    if (!Number.isInteger(this.nOversamples) || this.nOversamples < 1) throw bad(`nOversamples must be an integer ≥ 1, got ${this.nOversamples}`);
    if (this.iteratedPower !== 'auto' && !(Number.isInteger(this.iteratedPower) && this.iteratedPower >= 0))
      throw bad(`iteratedPower must be 'auto' or an integer ≥ 0, got ${this.iteratedPower}`);
  }

  private fitted(): Fitted {
    if (!this.fitted_) throw new GaussfaceError('this PCA is not fitted yet: call fit(X) first', 'EINPUT');
    return this.fitted_;
  }

  /** Principal axes, k × d (rows orthonormal, signs as scikit-learn's svd_flip). */
  get components(): Matrix<Float64Array> {
    const f = this.fitted();
    return new Matrix(f.k, f.d, f.components);
  }
  /** Variance explained by each component (eigenvalues of the covariance, ddof 1). */
  get explainedVariance(): Float64Array {
    return this.fitted().explainedVariance;
  }
  /** Fraction of the total variance explained by each component. */
  get explainedVarianceRatio(): Float64Array {
    return this.fitted().explainedVarianceRatio;
  }
  /** Singular values of the centred data for each component. */
  get singularValues(): Float64Array {
    return this.fitted().singularValues;
  }
  /** Column means of the training data. */
  get mean(): Float64Array {
    return this.fitted().mean;
  }
  /** Probabilistic-PCA noise variance: mean of the discarded eigenvalues (0 if none). */
  get noiseVariance(): number {
    return this.fitted().noiseVariance;
  }
  /** Number of components kept (scikit-learn's n_components_). */
  get nComponentsFitted(): number {
    return this.fitted().k;
  }
  /** The solver the fit used ('auto' resolved). */
  get fittedSolver(): 'full' | 'randomized' {
    return this.fitted().solver;
  }

  /** The fitted model as tensors and metadata under `prefix` (see `PCA.fromState`). */
  toState(prefix = 'pca.'): ModelState {
    const f = this.fitted();
    const t = (name: string, shape: number[], data: Float64Array) => [prefix + name, { shape, data }] as const;
    return {
      tensors: Object.fromEntries([
        t('mean', [f.d], f.mean), t('components', [f.k, f.d], f.components), t('explained_variance', [f.k], f.explainedVariance),
        t('explained_variance_ratio', [f.k], f.explainedVarianceRatio), t('singular_values', [f.k], f.singularValues),
        t('noise_variance', [1], Float64Array.of(f.noiseVariance)),
      ]),
      metadata: { [prefix + 'n_samples']: String(f.nSamples), [prefix + 'solver']: f.solver, [prefix + 'whiten']: String(this.whiten) },
    };
  }

  /** Rebuilds a fitted PCA from `toState` output, checking every shape first. */
  static fromState(tensors: Record<string, Tensor>, metadata: Record<string, string>, prefix = 'pca.', options: PCAOptions = {}): PCA {
    const components = Object.hasOwn(tensors, prefix + 'components') ? tensors[prefix + 'components'] : undefined;
    if (!components || components.shape.length !== 2) throw new GaussfaceError(`model file is inconsistent: tensor "${prefix}components" is missing or not 2-D`, 'EFORMAT');
    const [k, d] = components.shape;
    const pca = new PCA({ ...options, nComponents: k, whiten: metadata[prefix + 'whiten'] === 'true' });
    pca.fitted_ = {
      k, d,
      nSamples: intField(metadata, prefix + 'n_samples', 2, Number.MAX_SAFE_INTEGER),
      solver: enumField(metadata, prefix + 'solver', ['full', 'randomized'] as const),
      mean: f64Tensor(tensors, prefix + 'mean', [d]),
      components: f64Tensor(tensors, prefix + 'components', [k, d]),
      explainedVariance: f64Tensor(tensors, prefix + 'explained_variance', [k]),
      explainedVarianceRatio: f64Tensor(tensors, prefix + 'explained_variance_ratio', [k]),
      singularValues: f64Tensor(tensors, prefix + 'singular_values', [k]),
      noiseVariance: f64Tensor(tensors, prefix + 'noise_variance', [1])[0],
    };
    checkLoadedPCA(pca.fitted_, prefix);
    return pca;
  }

  /**
   * Fits the model to X (n_samples × n_features): a matrix, or a Dataset of the pool — resident (uploaded once for
   * several fits) or streamed (`pool.stream`: rows read chunk by chunk on every pass, for data larger than the
   * workers' memory). Resolves to the model itself. One fit at a time per object: another one before it settles
   * rejects with code EBUSY.
   */
  fit(X: MatrixLike | Dataset): Promise<this> {
    return exclusive(this, 'fit', () => this.fitOnce(X));
  }

  private async fitOnce(X: MatrixLike | Dataset): Promise<this> {
    const given = X instanceof Dataset ? X : undefined;
    const m = given ? undefined : asMatrix(X as MatrixLike, 'X', { finite: false });
    const [n, d] = given ? [given.rows, given.cols] : [m!.rows, m!.cols];
    if (n < 2) throw bad(`X has ${n} sample${n === 1 ? '' : 's'}; PCA needs at least 2`);
    if (d === 0) throw new GaussfaceError('PCA: X has no features (0 columns)', 'ESHAPE');
    const r = Math.min(n, d);
    const { want, solver, l } = this.plan(n, d);
    if (Number.isInteger(want) && want > r)
      throw bad(`nComponents=${want} must be ≤ min(n_samples, n_features) = ${r}; use nComponents ≤ ${r}`);
    const pool = this.options.pool ?? (await getPool());
    const signal = this.options.signal;
    const ds = given ?? (await pool.upload(m!.data, n, d, { chunkRows: this.fitChunkRows(n, d), signal }));
    try {
      const mean = await columnMeans(pool, ds, signal);
      const sol = solver === 'full' ? await this.solveFull(pool, ds, mean, want) : await this.solveRandomized(pool, ds, mean, want, l);
      const { k, components, singularValues, signs } = sol;
      for (let j = 0; j < k; j++) if (signs[j] < 0) for (let i = 0; i < d; i++) components[j * d + i] = -components[j * d + i];
      const explainedVariance = singularValues.map((s) => (s * s) / (n - 1));
      let noiseVariance = sol.noiseVariance;
      if (Number.isNaN(noiseVariance))
        noiseVariance = k < r ? (sol.totalVariance - explainedVariance.reduce((a, b) => a + b, 0)) / (r - k) : 0;
      this.fitted_ = {
        k, d, nSamples: n, solver, mean, components, explainedVariance, singularValues, noiseVariance,
        explainedVarianceRatio: explainedVariance.map((v) => v / sol.totalVariance),
      };
    } finally {
      if (!given) await pool.release(ds);
    }
    return this;
  }

  /** Components wanted, the solver a fit of n × d rows runs, and the randomized solver's sketch width. */
  private plan(n: number, d: number): { want: number; solver: 'full' | 'randomized'; l: number } {
    const r = Math.min(n, d);
    const want = this.nComponents ?? r;
    return { want, solver: this.resolveSolver(want, n, d), l: Math.min(want + this.nOversamples, r) };
  }

  /**
   * Rows per chunk of the dataset `fit` makes of n × d rows given as a matrix (a function of the shape and the
   * options only): upload rows `pool.upload(X, n, d, { chunkRows })` with it to fit a Dataset the same way, and
   * to reuse it for `transform` and other fits without sending the rows again.
   */
  fitChunkRows(n: number, d: number): number {
    const { solver, l } = this.plan(n, d);
    return fitChunkRows(n, d, solver === 'full' ? d * d * 8 : d * l * 4 + l * l * 8);
  }

  /** scikit-learn 1.2's 'auto': full for small data or a fraction or k ≥ 0.8·min(n, d), else randomized. */
  private resolveSolver(k: number, n: number, d: number): 'full' | 'randomized' {
    if (this.svdSolver !== 'auto') return this.svdSolver;
    if (Math.max(n, d) <= 500) return 'full';
    return Number.isInteger(k) && k < 0.8 * Math.min(n, d) ? 'randomized' : 'full';
  }

  /** Exact covariance (f64, reduced over chunks) and its eigendecomposition. */
  private async solveFull(pool: Pool, ds: Dataset, mean: Float64Array, want: number): Promise<Solution> {
    const e = await localEngine();
    const [n, d] = [ds.rows, ds.cols];
    const r = Math.min(n, d);
    const G = sumParts(await pool.map(tasks.pca.gram, ds, { mean }, { signal: this.options.signal }), e);
    const { values, vectors } = eighDesc(e, G, d);
    const lambda = values.subarray(0, r).map((v) => Math.max(v, 0));
    const total = lambda.reduce((a, b) => a + b, 0);
    let k = want;
    if (!Number.isInteger(want)) {
      // searchsorted(cumsum(ratio), want, side='right') + 1
      let cum = 0;
      k = 1;
      for (let j = 0; j < r; j++) {
        cum += lambda[j] / total;
        if (cum <= want) k = j + 2;
        else break;
      }
      k = Math.min(k, r);
    }
    const components = new Float64Array(k * d);
    for (let j = 0; j < k; j++) for (let i = 0; i < d; i++) components[j * d + i] = vectors[i * d + j];
    let noise = 0;
    for (let j = k; j < r; j++) noise += lambda[j] / (n - 1);
    const signs = await flipSigns(pool, ds, { mean, W: transpose32(components, k, d), k }, this.options.signal);
    return {
      k, components, signs,
      singularValues: lambda.slice(0, k).map(Math.sqrt),
      totalVariance: total / (n - 1),
      noiseVariance: k < r ? noise / (r - k) : 0,
    };
  }

  /** Halko et al.'s randomized SVD (below), run whole in the worker when one worker holds the data. */
  private solveRandomized(pool: Pool, ds: Dataset, mean: Float64Array, k: number, l: number): Promise<Solution> {
    const [n, d] = [ds.rows, ds.cols];
    const power = this.iteratedPower === 'auto' ? (k < 0.1 * Math.min(n, d) ? 7 : 4) : this.iteratedPower;
    const spec: RandomizedSpec = { k, l, power, seed: this.options.randomState ?? Random.entropySeed() };
    const { signal, onProgress } = this.options;
    if (ds.workers === 1 && !ds.streamed) return pool.solo(randomizedProgram, [ds], { mean, spec }, { signal, onProgress });
    return randomizedSvd(pool, ds, mean, spec, signal, onProgress);
  }

  /**
   * Runs a per-row task over X (validated against the fitted width) and assembles the rows × `width` result. A
   * Dataset of the pool is used where it is (its rows are not sent again); a matrix is uploaded for the call.
   */
  private async mapRows<P, T extends Float32Array | Float64Array>(X: MatrixLike | Dataset, cols: number, width: number, task: TaskDef<P, T[]>, params: P, make: (n: number) => T): Promise<Matrix<T>> {
    const pool = this.options.pool ?? (await getPool());
    const given = X instanceof Dataset ? X : undefined;
    if (given && given.cols !== cols) throw new GaussfaceError(`X has ${given.cols} columns but ${cols} were expected (the model was fitted on ${cols} features)`, 'ESHAPE');
    const m = given ? undefined : asMatrix(X as MatrixLike, 'X', { cols, minRows: 1, finite: false });
    const ds = given ?? (await uploadForFit(pool, m!.data, m!.rows, cols, 0, this.options.signal));
    try {
      const parts = await pool.map(task, ds, params, { signal: this.options.signal });
      const out = make(ds.rows * width);
      parts.forEach((p, i) => out.set(p, ds.chunkRange(i)[0] * width));
      return new Matrix(ds.rows, width, out);
    } finally {
      if (!given) await pool.release(ds);
    }
  }

  /**
   * Projects X on the components: (X − mean)·componentsᵀ, divided by √explainedVariance when whitening. X: a
   * matrix, or a Dataset of the pool (e.g. the one the model was fitted on: no rows sent again).
   */
  async transform(X: MatrixLike | Dataset): Promise<Matrix<Float32Array>> {
    const f = this.fitted();
    const scale = this.whiten ? f.explainedVariance.map((v) => 1 / Math.sqrt(v)) : undefined;
    const params = { mean: f.mean, W: transpose32(f.components, f.k, f.d), k: f.k, scale };
    return this.mapRows(X, f.d, f.k, tasks.pca.transform, params, (len) => new Float32Array(len));
  }

  /** Fits, then returns the projections of X. */
  async fitTransform(X: MatrixLike): Promise<Matrix<Float32Array>> {
    await this.fit(X);
    return this.transform(X);
  }

  /** Maps projections back to the data space: Y·components + mean (undoing the whitening scale). */
  async inverseTransform(Y: MatrixLike): Promise<Matrix<Float32Array>> {
    const f = this.fitted();
    const C = new Float32Array(f.k * f.d);
    for (let j = 0; j < f.k; j++) {
      const s = this.whiten ? Math.sqrt(f.explainedVariance[j]) : 1;
      for (let i = 0; i < f.d; i++) C[j * f.d + i] = f.components[j * f.d + i] * s;
    }
    return this.mapRows(Y, f.k, f.d, tasks.pca.inverse, { C, mean: Float32Array.from(f.mean) }, (len) => new Float32Array(len));
  }

  /**
   * Log-likelihood of each sample under the probabilistic PCA model (scikit-learn's score_samples with
   * get_precision): covariance = componentsᵀ·diag(max(ev − σ², 0))·components + σ²·I, evaluated through its
   * low-rank structure instead of a d × d precision matrix.
   */
  async scoreSamples(X: MatrixLike): Promise<Float64Array> {
    const f = this.fitted();
    const s2 = f.noiseVariance;
    // With whitening scikit-learn scales the components by √ev first, so the k-th eigenvalue becomes ev·(ev − σ²).
    const E = f.explainedVariance.map((v) => (this.whiten ? v : 1) * Math.max(v - s2, 0));
    if (!(s2 > 0) && (f.k < f.d || E.some((v) => !(v > 0))))
      throw bad('the model covariance is singular (noise variance 0 with a zero or missing eigenvalue), so scoreSamples is undefined; fit with fewer components');
    let logdet = (f.d - f.k) * (s2 > 0 ? Math.log(s2) : 0);
    for (const v of E) logdet += Math.log(v + s2);
    const params = {
      mean: f.mean, W: transpose32(f.components, f.k, f.d), k: f.k,
      a: E.map((v) => 1 / (v + s2)), b: s2 > 0 ? 1 / s2 : 0,
      c0: -0.5 * (f.d * Math.log(2 * Math.PI) + logdet),
    };
    return (await this.mapRows(X, f.d, 1, tasks.pca.scoreSamples, params, (len) => new Float64Array(len))).data;
  }

  /** Mean log-likelihood of the samples. */
  async score(X: MatrixLike): Promise<number> {
    const s = await this.scoreSamples(X);
    return s.reduce((a, b) => a + b, 0) / s.length;
  }
}
