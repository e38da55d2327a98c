// GaussianMixture: scikit-learn's estimator (same parameters, defaults and numerics), fitted in the worker
// pool. A thin object holding parameters; the work is in em.ts, covariance.ts and the engine's kernels.
import { GaussfaceError } from '../errors.js';
import { exclusive } from '../exclusive.js';
import { checkSampleCount } from '../sample-limit.js';
import { localEngine } from '../local.js';
import { asMatrix, asTensor, Matrix, type MatrixLike, type TensorLike } from '../matrix.js';
import { Dataset, getPool, type Pool } from '../pool.js';
import { Random } from '../random.js';
import { RandomState } from '../legacy-random.js';
import type { EStepParams, ChunkStats } from '../tasks/mixture.js';
import {
  COVARIANCE, COVARIANCE_TYPES, covarianceSize, eStepParams, factorFromPrecisions, mStep, nParameters, precisionsFrom,
  reduceStats, type CovarianceType, type MixtureParams,
} from './covariance.js';
import { minResponsibility, runEM, statsPass, type EMProgress } from './em.js';
import { blendStats, recentre, scaleStats } from './online.js';
import { initialResponsibilities, type InitParams } from './init.js';
import { enumField, f64Tensor, intField, numberField, type ModelState } from '../model-state.js';
import { checkFactorsMatch, checkPositiveDiagonal } from './loaded.js';
import type { Tensor } from '../safetensors.js';
import { sampleMixture } from './sample.js';
import { informationCriterion, mostProbable } from './criteria.js';
import { tasks } from '../tasks/index.js';

export type { CovarianceType, EMProgress, InitParams };

/** Options of `new GaussianMixture(...)`; defaults are scikit-learn's. */
export interface GaussianMixtureOptions {
  /** Number of mixture components (default 1). */
  nComponents?: number;
  /** 'full' (default): one full covariance per component; 'tied': one shared; 'diag'; 'spherical'. */
  covarianceType?: CovarianceType;
  /** Convergence threshold on the change of the mean log-likelihood (default 1e-3). */
  tol?: number;
  /** Added to the covariance diagonals, keeps them positive definite (default 1e-6). */
  regCovar?: number;
  /** EM iterations per initialisation (default 100). */
  maxIter?: number;
  /** Number of initialisations; the best lower bound is kept (default 1). */
  nInit?: number;
  /** How responsibilities are initialised (default 'kmeans'). */
  initParams?: InitParams;
  /**
   * Initial weights (K), means (K × d) and precisions in scikit-learn's shapes — full (K, d, d), tied (d, d),
   * diag (K, d), spherical (K) — as nested arrays (scikit-learn's `precisions_init.tolist()`) or flat values.
   */
  weightsInit?: TensorLike;
  meansInit?: MatrixLike;
  precisionsInit?: TensorLike;
  /** Start `fit` from the current parameters (nInit is then 1). */
  warmStart?: boolean;
  /** Seed (default: random). The initialisation draws numpy's RandomState(seed) exactly as scikit-learn's
   * does, so the same seed gives the same K-Means / k-means++ / random start there and here. */
  randomState?: number;
  /** Called after every EM iteration. */
  onProgress?: (p: EMProgress) => void;
  /** Called with a message when the best initialisation did not converge (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Cancels `fit` (rejects with code EABORT). */
  signal?: AbortSignal;
  /** Worker pool (default: the shared pool). */
  pool?: Pool;
}

/** Result of `sample`. */
export interface MixtureSample {
  /** n × d samples (float64). */
  X: Matrix<Float64Array>;
  /** Component of each sample. */
  labels: Int32Array;
}

const MACHINE_EPS = 2.220446049250313e-16;


/**
 * Gaussian mixture model fitted by EM, with scikit-learn's semantics.
 *
 * ```js
 * import { GaussianMixture, shutdown } from 'gaussface';
 * const gm = await new GaussianMixture({ nComponents: 2, randomState: 0 }).fit([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]]);
 * console.log(gm.means.toArray(), await gm.predict([[0, 0], [12, 3]]));
 * await shutdown();
 * ```
 */
export class GaussianMixture {
  readonly nComponents: number;
  readonly covarianceType: CovarianceType;
  readonly tol: number;
  readonly regCovar: number;
  readonly maxIter: number;
  readonly nInit: number;
  readonly initParams: InitParams;
  readonly options: GaussianMixtureOptions;

  /** Fitted parameters (float64); see `covariances` for the layouts. */
  private params: MixtureParams | undefined;
  private nFeatures = 0;
  /** Whether the best initialisation converged. */
  converged = false;
  /** EM iterations of the best initialisation. */
  nIter = 0;
  /** Mean log-likelihood of the best initialisation's last E-step. */
  lowerBound = -Infinity;
  /** Lower bound after each iteration of the best initialisation. */
  lowerBounds: number[] = [];
  /** Warnings raised by the last fit. */
  warnings: string[] = [];
  /** Running sufficient statistics of partialFit (per unit weight) and the centre of their scatter sums. */
  private running: { stats: ChunkStats; shift: Float64Array; steps: number } | undefined;

  constructor(options: GaussianMixtureOptions = {}) {
    this.options = options;
    this.nComponents = options.nComponents ?? 1;
    this.covarianceType = options.covarianceType ?? 'full';
    this.tol = options.tol ?? 1e-3;
    this.regCovar = options.regCovar ?? 1e-6;
    this.maxIter = options.maxIter ?? 100;
    this.nInit = options.nInit ?? 1;
    this.initParams = options.initParams ?? 'kmeans';
    const bad = (what: string) => new GaussfaceError(`GaussianMixture: ${what}`, 'EINPUT');
    if (!Number.isInteger(this.nComponents) || this.nComponents < 1) throw bad(`nComponents must be an integer ≥ 1, got ${this.nComponents}`);
    if (!COVARIANCE_TYPES.includes(this.covarianceType)) throw bad(`covarianceType must be one of ${COVARIANCE_TYPES.join(', ')}, got '${this.covarianceType}'`);
    if (!(this.tol >= 0)) throw bad(`tol must be ≥ 0, got ${this.tol}`);
    if (!(this.regCovar >= 0)) throw bad(`regCovar must be ≥ 0, got ${this.regCovar}`);
    if (!Number.isInteger(this.maxIter) || this.maxIter < 0) throw bad(`maxIter must be an integer ≥ 0, got ${this.maxIter}`);
    if (!Number.isInteger(this.nInit) || this.nInit < 1) throw bad(`nInit must be an integer ≥ 1, got ${this.nInit}`);
    if (!['kmeans', 'k-means++', 'random', 'random_from_data'].includes(this.initParams))
      throw bad(`initParams must be 'kmeans', 'k-means++', 'random' or 'random_from_data', got '${this.initParams}'`);
  }

  private fitted(): MixtureParams {
    if (!this.params) throw new GaussfaceError('this GaussianMixture is not fitted yet: call fit(X) first', 'EINPUT');
    return this.params;
  }

  /** Mixture weights (K). */
  get weights(): Float64Array {
    return this.fitted().weights;
  }
  /** Means (K × d). */
  get means(): Matrix<Float64Array> {
    return new Matrix(this.nComponents, this.nFeatures, this.fitted().means);
  }
  /** Covariances: full K·d·d, tied d·d, diag K·d, spherical K values (row-major blocks). */
  get covariances(): Float64Array {
    return this.fitted().covariances;
  }
  /** Precision matrices (inverse covariances), same layout as `covariances`. */
  get precisions(): Float64Array {
    return precisionsFrom(this.covarianceType, this.nComponents, this.nFeatures, this.fitted().precisionsCholesky);
  }
  /** scikit-learn's precisions_cholesky_: upper-triangular U with Σ⁻¹ = U·Uᵀ (diag/spherical: 1/σ). */
  get precisionsCholesky(): Float64Array {
    return this.fitted().precisionsCholesky;
  }

  /** The fitted model as tensors and metadata under `prefix` (see `GaussianMixture.fromState`). */
  toState(prefix = 'gmm.'): ModelState {
    const p = this.fitted();
    const [K, d, type] = [this.nComponents, this.nFeatures, this.covarianceType];
    const covShape = COVARIANCE[type].shape(K, d);
    return {
      tensors: {
        [prefix + 'weights']: { shape: [K], data: p.weights },
        [prefix + 'means']: { shape: [K, d], data: p.means },
        [prefix + 'covariances']: { shape: covShape, data: p.covariances },
        [prefix + 'precisions_cholesky']: { shape: covShape, data: p.precisionsCholesky },
      },
      metadata: {
        [prefix + 'covariance_type']: type, [prefix + 'n_components']: String(K), [prefix + 'n_features']: String(d),
        [prefix + 'lower_factor']: String(!!p.lowerFactor), [prefix + 'converged']: String(this.converged),
        [prefix + 'n_iter']: String(this.nIter), [prefix + 'lower_bound']: String(this.lowerBound), [prefix + 'reg_covar']: String(this.regCovar),
      },
    };
  }

  /** Rebuilds a fitted mixture from `toState` output, checking every shape and value first. */
  static fromState(tensors: Record<string, Tensor>, metadata: Record<string, string>, prefix = 'gmm.', options: GaussianMixtureOptions = {}): GaussianMixture {
    const type = enumField(metadata, prefix + 'covariance_type', COVARIANCE_TYPES);
    const K = intField(metadata, prefix + 'n_components', 1, 1 << 20);
    const d = intField(metadata, prefix + 'n_features', 1, 1 << 24);
    const covShape = COVARIANCE[type].shape(K, d);
    const gm = new GaussianMixture({ ...options, nComponents: K, covarianceType: type, regCovar: numberField(metadata, prefix + 'reg_covar', 1e-6, 0) });
    const weights = f64Tensor(tensors, prefix + 'weights', [K]);
    if (weights.some((w) => w < 0) || Math.abs(weights.reduce((a, b) => a + b, 0) - 1) > 1e-6)
      throw new GaussfaceError('model file is inconsistent: mixture weights must be ≥ 0 and sum to 1', 'EFORMAT');
    const [covariances, precisionsCholesky] = [f64Tensor(tensors, prefix + 'covariances', covShape), f64Tensor(tensors, prefix + 'precisions_cholesky', covShape)];
    checkPositiveDiagonal(prefix + 'covariances', type, K, d, covariances);
    checkPositiveDiagonal(prefix + 'precisions_cholesky', type, K, d, precisionsCholesky);
    checkFactorsMatch(type, d, covariances, precisionsCholesky, prefix + 'precisions_cholesky');
    gm.params = {
      weights,
      means: f64Tensor(tensors, prefix + 'means', [K, d]),
      covariances,
      precisionsCholesky,
      lowerFactor: metadata[prefix + 'lower_factor'] === 'true',
    };
    gm.nFeatures = d;
    gm.converged = metadata[prefix + 'converged'] === 'true';
    gm.nIter = Number(metadata[prefix + 'n_iter']) || 0;
    gm.lowerBound = Number(metadata[prefix + 'lower_bound']);
    return gm;
  }

  /**
   * Fits the model by EM (nInit runs, the best lower bound kept). Resolves to the model itself. One fit (or
   * partialFit) at a time per object: another one before it settles rejects with code EBUSY.
   */
  fit(X: MatrixLike | Dataset, opts: { sampleWeight?: ArrayLike<number> } = {}): Promise<this> {
    return exclusive(this, 'fit', () => this.fitOnce(X, opts));
  }

  private async fitOnce(X: MatrixLike | Dataset, opts: { sampleWeight?: ArrayLike<number> }): Promise<this> {
    await this.withData(X, opts.sampleWeight, async (pool, ds, w, total) => {
      const engine = await localEngine();
      const K = this.nComponents;
      if (ds.rows < K)
        throw new GaussfaceError(`X has ${ds.rows} samples but nComponents is ${K}: need at least as many samples as components`, 'EINPUT');
      const d = ds.cols;
      const warm = this.options.warmStart && this.params && this.nFeatures === d;
      const runs = warm ? 1 : this.nInit;
      const rng = new RandomState(this.options.randomState ?? Random.entropySeed()); // one stream for all inits, as scikit-learn
      let best: Awaited<ReturnType<typeof runEM>> | undefined;
      for (let init = 0; init < runs; init++) {
        const start = warm ? this.params! : await this.initialParams(pool, ds, w, total, engine, rng, d);
        const r = await runEM(pool, ds, engine, {
          type: this.covarianceType, K, d, tol: this.tol, regCovar: this.regCovar, maxIter: this.maxIter,
          weights: w, totalWeight: total, signal: this.options.signal, onProgress: this.options.onProgress, init,
        }, start);
        if (!best || r.lowerBound > best.lowerBound || (best.lowerBound === -Infinity && r.lowerBound === -Infinity)) best = r;
      }
      this.params = best!.params;
      this.nFeatures = d;
      this.converged = best!.converged;
      this.nIter = best!.nIter;
      this.lowerBound = best!.lowerBound;
      this.lowerBounds = best!.lowerBounds;
      this.running = undefined;
      this.warnings = [];
      if (!this.converged && this.maxIter > 0) {
        const msg = `Best performing initialization did not converge. Try different init parameters, or increase maxIter (${this.maxIter}), tol (${this.tol}) or check for degenerate data.`;
        this.warnings.push(msg);
        (this.options.onWarning ?? ((m: string) => console.warn(`gaussface: ${m}`)))(msg);
      }
    });
    return this;
  }

  /**
   * Stepwise online EM (Cappé & Moulines, 2009): one E-step on this chunk with the current parameters, its
   * statistics blended into running ones with step size (t + 1)^−stepDecay, then an M-step. Call it on the
   * chunks of a stream, for as many passes as needed; the first call initialises from its chunk. `lowerBound`
   * is the chunk's mean log-likelihood before the update.
   */
  partialFit(X: MatrixLike | Dataset, opts: { sampleWeight?: ArrayLike<number>; stepDecay?: number } = {}): Promise<this> {
    return exclusive(this, 'partialFit', () => this.partialFitOnce(X, opts));
  }

  private async partialFitOnce(X: MatrixLike | Dataset, opts: { sampleWeight?: ArrayLike<number>; stepDecay?: number }): Promise<this> {
    const decay = opts.stepDecay ?? 0.6;
    if (!(decay > 0.5 && decay <= 1)) throw new GaussfaceError(`stepDecay must be in (0.5, 1], got ${decay}`, 'EINPUT');
    await this.withData(X, opts.sampleWeight, async (pool, ds, w, total) => {
      const engine = await localEngine();
      const [K, d] = [this.nComponents, ds.cols];
      if (!this.params) {
        if (ds.rows < K) throw new GaussfaceError(`the first chunk has ${ds.rows} samples but nComponents is ${K}`, 'EINPUT');
        this.params = await this.initialParams(pool, ds, w, total, engine, new RandomState(this.options.randomState ?? Random.entropySeed()), d);
        this.nFeatures = d;
      }
      const settings = { type: this.covarianceType, K, d, tol: this.tol, regCovar: this.regCovar, maxIter: 1, weights: w, totalWeight: total, signal: this.options.signal, init: 0 };
      const { stats, shift } = await statsPass(pool, ds, engine, settings, this.params);
      const scaled = scaleStats(stats, 1 / total);
      const r = this.running;
      const rho = r ? (r.steps + 1) ** -decay : 1;
      const blended = r ? blendStats(recentre(r.stats, r.shift, shift, this.covarianceType, K, d), scaled, rho) : scaled;
      this.params = mStep(engine, this.covarianceType, K, d, blended, shift, this.regCovar);
      this.running = { stats: blended, shift, steps: (r?.steps ?? 0) + 1 };
      this.lowerBound = stats.loglik / total;
      this.lowerBounds.push(this.lowerBound);
      this.nIter = this.running.steps;
    });
    return this;
  }

  /** Fits and returns the labels of X under the fitted model (same as fit(X) then predict(X)). */
  async fitPredict(X: MatrixLike | Dataset, opts: { sampleWeight?: ArrayLike<number> } = {}): Promise<Int32Array> {
    await this.fit(X, opts);
    return this.predict(X);
  }

  /** Initial parameters: user-given arrays, else an M-step from initial responsibilities. */
  private async initialParams(pool: Pool, ds: Dataset, w: Dataset | undefined, total: number, engine: Awaited<ReturnType<typeof localEngine>>, rng: RandomState, d: number): Promise<MixtureParams> {
    const K = this.nComponents;
    const type = this.covarianceType;
    const o = this.options;
    let params: MixtureParams | undefined;
    if (!o.weightsInit || !o.meansInit || !o.precisionsInit) {
      const resp = await initialResponsibilities(this.initParams, pool, ds, K, rng, o.signal);
      const respDs = await pool.upload(resp, ds.rows, K, { like: ds, signal: o.signal });
      try {
        // Two passes: the means, then the scatter around them (no cancellation in the first covariances).
        const pass = async (shift: Float64Array) =>
          reduceStats(await pool.map(tasks.mixture.statsFromResp, ds, {
            kind: COVARIANCE[type].kind, K, d, shift: Float32Array.from(shift), weightsId: w?.id, respId: respDs.id, minResp: minResponsibility(total, ds.rows),
          }, { signal: o.signal }), engine);
        const first = await pass(new Float64Array(K * d));
        const means = first.sx.map((v, i) => v / (first.nk[Math.floor(i / d)] + 10 * MACHINE_EPS));
        const shift = Float64Array.from(Float32Array.from(means));
        params = mStep(engine, type, K, d, await pass(shift), shift, this.regCovar);
      } finally {
        await pool.release(respDs);
      }
    }
    const weights = o.weightsInit ? this.checkedWeights(o.weightsInit) : params!.weights;
    const means = o.meansInit ? asMatrix(o.meansInit, 'meansInit', { cols: d, minRows: K }) : undefined;
    if (means && means.rows !== K) throw new GaussfaceError(`meansInit has ${means.rows} rows, expected nComponents = ${K}`, 'ESHAPE');
    const precisionsCholesky = o.precisionsInit ? factorFromPrecisions(engine, type, K, d, this.checkedPrecisions(o.precisionsInit, d)) : params!.precisionsCholesky;
    return {
      weights,
      means: means ? Float64Array.from(means.data) : params!.means,
      covariances: params?.covariances ?? new Float64Array(covarianceSize(type, K, d)),
      precisionsCholesky,
      lowerFactor: o.precisionsInit !== undefined && COVARIANCE[type].kind === 'dense',
    };
  }

  private checkedWeights(w: TensorLike): Float64Array {
    const a = asTensor(w, [this.nComponents], 'weightsInit');
    const sum = a.reduce((s, v) => s + v, 0);
    if (a.length !== this.nComponents || a.some((v) => !(v >= 0 && v <= 1)) || Math.abs(sum - 1) > 1e-6)
      throw new GaussfaceError(`weightsInit must be ${this.nComponents} values in [0, 1] summing to 1`, 'EINPUT');
    return a;
  }

  private checkedPrecisions(p: TensorLike, d: number): Float64Array {
    return asTensor(p, COVARIANCE[this.covarianceType].shape(this.nComponents, d), `precisionsInit (covarianceType '${this.covarianceType}')`);
  }

  /**
   * Uploads X (and weights) to the pool for the duration of `fn`; a Dataset already in the model's pool is
   * used as it is (one upload for a whole model-selection sweep).
   */
  private async withData<T>(X: MatrixLike | Dataset, sampleWeight: ArrayLike<number> | undefined, fn: (pool: Pool, ds: Dataset, w: Dataset | undefined, total: number) => Promise<T>): Promise<T> {
    const pool = this.options.pool ?? (await getPool());
    const signal = this.options.signal;
    const given = X instanceof Dataset ? X : undefined;
    const m = given ? undefined : asMatrix(X as MatrixLike, 'X', { minRows: 1, cols: this.params ? this.nFeatures : undefined, finite: false });
    const [rows, cols] = given ? [given.rows, given.cols] : [m!.rows, m!.cols];
    if (given && this.params && cols !== this.nFeatures)
      throw new GaussfaceError(`X has ${cols} columns but ${this.nFeatures} were expected (the model was fitted on ${this.nFeatures} features)`, 'ESHAPE');
    if (cols === 0) throw new GaussfaceError('X has no features (0 columns)', 'ESHAPE');
    let weights: Float32Array | undefined;
    if (sampleWeight) {
      weights = Float32Array.from(sampleWeight);
      if (weights.length !== rows) throw new GaussfaceError(`sampleWeight has ${weights.length} values but X has ${rows} rows`, 'ESHAPE');
      if (weights.some((v) => !(v >= 0 && Number.isFinite(v)))) throw new GaussfaceError('sampleWeight must be finite and ≥ 0', 'EINPUT');
    }
    const total = weights ? weights.reduce((s, v) => s + v, 0) : rows;
    if (!(total > 0)) throw new GaussfaceError('sampleWeight sums to 0', 'EINPUT');
    const ds = given ?? (await pool.upload(m!.data, rows, cols, { signal }));
    try {
      const w = weights ? await pool.upload(weights, rows, 1, { like: ds, signal }) : undefined;
      try {
        return await fn(pool, ds, w, total);
      } finally {
        if (w) await pool.release(w);
      }
    } finally {
      if (!given) await pool.release(ds);
    }
  }

  private async eParams(): Promise<EStepParams> {
    return eStepParams(await localEngine(), this.covarianceType, this.nComponents, this.nFeatures, this.fitted());
  }

  /** Log-likelihood of each sample (log density of the mixture), float64. */
  async scoreSamples(X: MatrixLike | Dataset): Promise<Float64Array> {
    const p = await this.eParams();
    return this.withData(X, undefined, async (pool, ds) => {
      const parts = await pool.map(tasks.mixture.scoreSamples, ds, p, { signal: this.options.signal });
      const out = new Float64Array(ds.rows);
      parts.forEach((part, i) => out.set(part, ds.chunkRange(i)[0]));
      return out;
    });
  }

  /** Mean log-likelihood per sample. */
  async score(X: MatrixLike | Dataset): Promise<number> {
    const s = await this.scoreSamples(X);
    let t = 0;
    for (const v of s) t += v;
    return t / s.length;
  }

  /** Posterior probability of each component for each sample (n × K). */
  async predictProba(X: MatrixLike | Dataset): Promise<Matrix<Float32Array>> {
    const p = await this.eParams();
    return this.withData(X, undefined, async (pool, ds) => {
      const parts = await pool.map(tasks.mixture.responsibilities, ds, p, { signal: this.options.signal });
      const out = new Float32Array(ds.rows * this.nComponents);
      parts.forEach((part, i) => out.set(part, ds.chunkRange(i)[0] * this.nComponents));
      return new Matrix(ds.rows, this.nComponents, out);
    });
  }

  /** Most probable component of each sample. */
  async predict(X: MatrixLike | Dataset): Promise<Int32Array> {
    return mostProbable(await this.predictProba(X));
  }

  /** Bayesian information criterion on X (lower is better). */
  bic(X: MatrixLike | Dataset): Promise<number> {
    return informationCriterion('bic', this, X);
  }

  /** Akaike information criterion on X (lower is better). */
  aic(X: MatrixLike | Dataset): Promise<number> {
    return informationCriterion('aic', this, X);
  }

  /** Number of free parameters of the fitted model. */
  nParameters(): number {
    this.fitted();
    return nParameters(this.covarianceType, this.nComponents, this.nFeatures);
  }

  /**
   * Draws n samples. `temperature` scales every covariance (0.6 gives the sharper "cov·0.6" renderings);
   * samples come grouped by component (like scikit-learn) unless `shuffle` is true.
   */
  async sample(n = 1, opts: { temperature?: number; shuffle?: boolean; randomState?: number } = {}): Promise<MixtureSample> {
    const p = this.fitted();
    const t = opts.temperature ?? 1;
    checkSampleCount('sample', n, this.nFeatures);
    if (!(t >= 0 && Number.isFinite(t))) throw new GaussfaceError(`sample: temperature must be a finite number ≥ 0, got ${t}`, 'EINPUT');
    const rng = new Random(opts.randomState ?? this.options.randomState ?? Random.entropySeed(), 1 << 20);
    return sampleMixture(await localEngine(), rng, this.covarianceType, p, this.nFeatures, n, t, opts.shuffle ?? false);
  }
}
