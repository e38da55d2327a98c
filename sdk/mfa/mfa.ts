// MixtureOfFactorAnalyzers: a Gaussian mixture whose covariances are low rank plus diagonal (Σ_k = Λ_kΛ_kᵀ + Ψ_k),
// fitted by EM in the worker pool directly on pixels — D = 4096–12288 with no D × D matrix anywhere. A thin
// object holding parameters, with GaussianMixture's habits; the maths is in params.ts, the kernels in the engine.
import { GaussfaceError } from '../errors.js';
import { fitChunkRows } from '../fitdata.js';
import { localEngine } from '../local.js';
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';
import { informationCriterion, mostProbable } from '../mixture/criteria.js';
import { minResponsibility } from '../mixture/em.js';
import { componentCounts, shuffled } from '../mixture/sample.js';
import { enumField, f64Tensor, intField, type ModelState } from '../model-state.js';
import { Dataset, getPool, type Pool } from '../pool.js';
import { Random } from '../random.js';
import type { Tensor } from '../safetensors.js';
import { tasks } from '../tasks/index.js';
import type { TaskDef } from '../tasks/define.js';
import type { MfaEStep } from '../tasks/mfa.js';
import { initialMfaParams } from './init.js';
import { mfaMStep, mfaParameterCount, mfaView, NOISE_TYPES, reduceMfaStats, type MfaParams, type NoiseType } from './params.js';

export type { NoiseType, MfaParams };

/** Options of `new MixtureOfFactorAnalyzers(...)`. */
export interface MixtureOfFactorAnalyzersOptions {
  /** Number of components K (default 1). */
  nComponents?: number;
  /** Latent factors per component q (default 10). */
  nFactors?: number;
  /** 'diagonal' (default): a noise variance per pixel and component (MFA); 'isotropic': σ_k²·I (mixture of PPCA). */
  noiseType?: NoiseType;
  /** Convergence threshold on the change of the mean log-likelihood per sample and dimension, nats (default 1e-4). */
  tol?: number;
  /** Added to every noise variance after the M-step: a floor that keeps Ψ > 0 (default 1e-6). */
  regCovar?: number;
  /**
   * Ψ_kj ≥ noiseFloor·Var(x_j) in every M-step (default 0). Many factors fitted to few rows leave too little noise
   * for unseen rows; a floor chosen on a validation split (0.01 on LFW, q = 1000) raises their likelihood.
   */
  noiseFloor?: number;
  /** EM iterations (default 100). */
  maxIter?: number;
  /** Start `fit` from the current parameters (e.g. a model from `fromState`) instead of K-Means + PCA. */
  warmStart?: boolean;
  /** Rows the K-Means + PCA start is computed on when the data is a streamed Dataset (default 20,000). */
  initSamples?: number;
  /** Seed of the K-Means + PCA initialisation and the default seed of `sample` (default: random). */
  randomState?: number;
  /** Called after every EM iteration. */
  onProgress?: (p: MfaProgress) => void;
  /** Cancels `fit` (rejects with code EABORT). */
  signal?: AbortSignal;
  /** Worker pool (default: the shared pool). */
  pool?: Pool;
}

/** What `onProgress` receives after every EM iteration. */
export interface MfaProgress {
  iteration: number;
  /** Mean log-likelihood per sample with the parameters before this iteration's M-step (nats). */
  lowerBound: number;
  change: number;
}


/**
 * Mixture of factor analysers (Ghahramani & Hinton 1996) — with `noiseType: 'isotropic'`, a mixture of
 * probabilistic PCA (Tipping & Bishop 1999) — for wide data such as images: each component has its own mean,
 * q factor loadings and noise. Initialised from K-Means and a PCA per cluster.
 *
 * ```js
 * import { MixtureOfFactorAnalyzers, shutdown } from 'gaussface';
 * const X = Array.from({ length: 200 }, (_, i) => Array.from({ length: 20 }, (_, j) => Math.sin((i % 2 ? 1 : 3) * j + i) + (i % 2) * 4));
 * const mfa = await new MixtureOfFactorAnalyzers({ nComponents: 2, nFactors: 3, randomState: 0 }).fit(X);
 * console.log(await mfa.score(X), await mfa.predict(X.slice(0, 4)), (await mfa.sample(2, { temperature: 0.5 })).X.rows);
 * await shutdown();
 * ```
 */
export class MixtureOfFactorAnalyzers {
  readonly nComponents: number;
  readonly nFactors: number;
  readonly noiseType: NoiseType;
  readonly tol: number;
  readonly regCovar: number;
  readonly noiseFloor: number;
  readonly maxIter: number;
  readonly options: MixtureOfFactorAnalyzersOptions;
  private params: MfaParams | undefined;
  private nFeatures = 0;
  converged = false;
  nIter = 0;
  /** Mean log-likelihood per sample of the last E-step (nats). */
  lowerBound = -Infinity;
  /** The lower bound after each iteration (EM never lowers it, up to the regCovar floor and float rounding). */
  lowerBounds: number[] = [];

  constructor(options: MixtureOfFactorAnalyzersOptions = {}) {
    this.options = options;
    this.nComponents = options.nComponents ?? 1;
    this.nFactors = options.nFactors ?? 10;
    this.noiseType = options.noiseType ?? 'diagonal';
    this.tol = options.tol ?? 1e-4;
    this.regCovar = options.regCovar ?? 1e-6;
    this.noiseFloor = options.noiseFloor ?? 0;
    this.maxIter = options.maxIter ?? 100;
    const bad = (what: string) => new GaussfaceError(`MixtureOfFactorAnalyzers: ${what}`, 'EINPUT');
    if (!Number.isInteger(this.nComponents) || this.nComponents < 1) throw bad(`nComponents must be an integer ≥ 1, got ${this.nComponents}`);
    if (!Number.isInteger(this.nFactors) || this.nFactors < 1) throw bad(`nFactors must be an integer ≥ 1, got ${this.nFactors}`);
    if (!NOISE_TYPES.includes(this.noiseType)) throw bad(`noiseType must be one of ${NOISE_TYPES.join(', ')}, got '${this.noiseType}'`);
    if (!(this.tol >= 0)) throw bad(`tol must be ≥ 0, got ${this.tol}`);
    if (!(this.regCovar > 0)) throw bad(`regCovar must be > 0 (it is the floor of the noise variances), got ${this.regCovar}`);
    if (!(this.noiseFloor >= 0 && this.noiseFloor < 1)) throw bad(`noiseFloor must be a fraction of the pixel variance in [0, 1), got ${this.noiseFloor}`);
    if (!Number.isInteger(this.maxIter) || this.maxIter < 0) throw bad(`maxIter must be an integer ≥ 0, got ${this.maxIter}`);
    const s = options.initSamples ?? 20000;
    if (!Number.isInteger(s) || s < 2) throw bad(`initSamples must be an integer ≥ 2, got ${s}`);
  }

  private fitted(): MfaParams {
    if (!this.params) throw new GaussfaceError('this MixtureOfFactorAnalyzers is not fitted yet: call fit(X) first', 'EINPUT');
    return this.params;
  }

  /** Mixture weights (K). */
  get weights(): Float64Array {
    return this.fitted().weights;
  }
  /** Means (K × D). */
  get means(): Matrix<Float64Array> {
    return new Matrix(this.nComponents, this.nFeatures, this.fitted().means);
  }
  /** Factor loadings Λ_k, K blocks of D × q (row-major). */
  get factors(): Float64Array {
    return this.fitted().factors;
  }
  /** Noise variances Ψ_k (K × D; isotropic: each row one value). */
  get noise(): Float64Array {
    return this.fitted().noise;
  }
  /** Number of features D the model was fitted on. */
  get nFeaturesIn(): number {
    this.fitted();
    return this.nFeatures;
  }

  /**
   * Fits by EM. X is a matrix, or a pool Dataset — resident (`pool.upload`) or streamed (`pool.stream`, for data
   * beyond memory: each iteration reads it once; the start is computed on `initSamples` rows of it).
   */
  async fit(X: MatrixLike | Dataset): Promise<this> {
    const pool = this.options.pool ?? (await getPool());
    const signal = this.options.signal;
    const [K, q] = [this.nComponents, this.nFactors];
    const given = X instanceof Dataset ? X : undefined;
    const m = given ? undefined : asMatrix(X as MatrixLike, 'X', { minRows: 1 });
    const [n, D] = given ? [given.rows, given.cols] : [m!.rows, m!.cols];
    if (n < 2 * K) throw new GaussfaceError(`X has ${n} samples but nComponents is ${K}: need at least 2 samples per component`, 'EINPUT');
    if (q >= D) throw new GaussfaceError(`nFactors (${q}) must be smaller than the number of features (${D})`, 'EINPUT');
    const engine = await localEngine();
    const statBytes = K * D * (q + 1) * 4 + K * D * 8;
    const ds = given ?? (await pool.upload(m!.data, n, D, { chunkRows: fitChunkRows(n, D, statBytes), signal }));
    try {
      const warm = this.options.warmStart && this.params && this.nFeatures === D;
      const init = async () => initialMfaParams(m ?? (await this.initRows(pool, ds)), { K, q, reg: this.regCovar, randomState: this.options.randomState ?? Random.entropySeed(), pool, signal });
      let params = warm ? this.params! : await init();
      this.lowerBounds = [];
      this.converged = false;
      let lowerBound = -Infinity;
      let iteration = 0;
      while (iteration < this.maxIter) {
        iteration++;
        const view = mfaView(engine, params, K, D, q);
        const parts = await pool.map(tasks.mfa.step, ds, { ...view.e, minResp: minResponsibility(n, n) }, { signal });
        const st = reduceMfaStats(parts, engine);
        const prev = lowerBound;
        lowerBound = st.loglik / n;
        if (!Number.isFinite(lowerBound))
          throw new GaussfaceError(`the log-likelihood became ${lowerBound} at iteration ${iteration}; increase regCovar or scale the input data`, 'ECOLLAPSE');
        this.lowerBounds.push(lowerBound);
        params = mfaMStep(st, view, K, D, q, this.noiseType, { reg: this.regCovar, floor: this.noiseFloor });
        const change = lowerBound - prev;
        this.options.onProgress?.({ iteration, lowerBound, change });
        if (Math.abs(change) < this.tol * D) {
          this.converged = true;
          break;
        }
      }
      this.params = params;
      this.nFeatures = D;
      this.nIter = iteration;
      this.lowerBound = lowerBound;
    } finally {
      if (!given) await pool.release(ds);
    }
    return this;
  }

  /** The rows the start is computed on: all of a resident dataset, or evenly spaced chunks of a streamed one. */
  private async initRows(pool: Pool, ds: Dataset): Promise<Matrix<Float32Array>> {
    const want = this.options.initSamples ?? 20000;
    if (!ds.streamed || ds.rows <= want) return new Matrix(ds.rows, ds.cols, await pool.gather(ds, { signal: this.options.signal }));
    const take = Math.max(1, Math.min(ds.nChunks, Math.ceil(want / ds.chunkRows)));
    const parts: Float32Array[] = [];
    for (let t = 0; t < take; t++) parts.push(await ds.readChunk(Math.floor((t * ds.nChunks) / take)));
    const rows = parts.reduce((a, p) => a + p.length / ds.cols, 0);
    const out = new Float32Array(rows * ds.cols);
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return new Matrix(rows, ds.cols, out);
  }

  /** Runs a per-chunk task over X (uploaded for the call unless it is a Dataset) and concatenates the rows. */
  private async mapRows<T extends Float32Array | Float64Array>(X: MatrixLike | Dataset, task: TaskDef<MfaEStep, T[]>, width: number, make: (n: number) => T): Promise<T> {
    const p = this.fitted();
    const pool = this.options.pool ?? (await getPool());
    const signal = this.options.signal;
    const D = this.nFeatures;
    const given = X instanceof Dataset ? X : undefined;
    if (given && given.cols !== D) throw new GaussfaceError(`X has ${given.cols} columns but the model was fitted on ${D} features`, 'ESHAPE');
    const m = given ? undefined : asMatrix(X as MatrixLike, 'X', { minRows: 1, cols: D });
    const view = mfaView(await localEngine(), p, this.nComponents, D, this.nFactors);
    const ds = given ?? (await pool.upload(m!.data, m!.rows, D, { signal }));
    try {
      const parts = await pool.map(task, ds, view.e, { signal });
      const out = make(ds.rows * width);
      parts.forEach((part, i) => out.set(part, ds.chunkRange(i)[0] * width));
      return out;
    } finally {
      if (!given) await pool.release(ds);
    }
  }

  /** Log-likelihood of each sample under the model, in nats (float64). */
  scoreSamples(X: MatrixLike | Dataset): Promise<Float64Array> {
    return this.mapRows(X, tasks.mfa.scoreSamples, 1, (n) => new Float64Array(n));
  }

  /** Mean log-likelihood per sample (nats). */
  async score(X: MatrixLike | Dataset): Promise<number> {
    const s = await this.scoreSamples(X);
    return s.reduce((a, b) => a + b, 0) / s.length;
  }

  /** Mean log-likelihood per sample divided by the number of features: nats per pixel for images. */
  async scorePerFeature(X: MatrixLike | Dataset): Promise<number> {
    return (await this.score(X)) / this.nFeaturesIn;
  }

  /** Posterior probability of each component for each sample (n × K). */
  async predictProba(X: MatrixLike | Dataset): Promise<Matrix<Float32Array>> {
    const r = await this.mapRows(X, tasks.mfa.responsibilities, this.nComponents, (n) => new Float32Array(n));
    return new Matrix(r.length / this.nComponents, this.nComponents, r);
  }

  /** Most probable component of each sample. */
  async predict(X: MatrixLike | Dataset): Promise<Int32Array> {
    return mostProbable(await this.predictProba(X));
  }

  /** Number of free parameters (loadings counted up to their rotation). */
  nParameters(): number {
    this.fitted();
    return mfaParameterCount(this.nComponents, this.nFeatures, this.nFactors, this.noiseType);
  }

  /** Bayesian information criterion on X (lower is better). */
  bic(X: MatrixLike | Dataset): Promise<number> {
    return informationCriterion('bic', this, X);
  }

  /** Akaike information criterion on X (lower is better). */
  aic(X: MatrixLike | Dataset): Promise<number> {
    return informationCriterion('aic', this, X);
  }

  /**
   * Draws n samples x = μ_k + √t·(Λ_k z + Ψ_k^½ ε). `temperature` t scales every covariance; `noise: false`
   * leaves out the per-pixel noise term (the smooth images an MFA is usually shown by); grouped by component
   * unless `shuffle`.
   */
  async sample(n = 1, opts: { temperature?: number; noise?: boolean; shuffle?: boolean; randomState?: number } = {}): Promise<{ X: Matrix<Float64Array>; labels: Int32Array }> {
    const p = this.fitted();
    const t = opts.temperature ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new GaussfaceError(`sample: n must be an integer ≥ 1, got ${n}`, 'EINPUT');
    if (!(t >= 0 && Number.isFinite(t))) throw new GaussfaceError(`sample: temperature must be a finite number ≥ 0, got ${t}`, 'EINPUT');
    const engine = await localEngine();
    const rng = new Random(opts.randomState ?? this.options.randomState ?? Random.entropySeed(), 1 << 21);
    const [K, D, q] = [this.nComponents, this.nFeatures, this.nFactors];
    const counts = componentCounts(engine, rng, p.weights, n);
    const X = new Float64Array(n * D);
    const labels = new Int32Array(n);
    const scale = Math.sqrt(t);
    let row = 0;
    for (let k = 0; k < K; k++) {
      if (!counts[k]) continue;
      const z = rng.normal(engine, counts[k] * q);
      const eps = opts.noise === false ? undefined : rng.normal(engine, counts[k] * D);
      for (let i = 0; i < counts[k]; i++, row++) {
        labels[row] = k;
        for (let j = 0; j < D; j++) {
          const lam = (k * D + j) * q;
          let v = eps ? Math.sqrt(p.noise[k * D + j]) * eps[i * D + j] : 0;
          for (let a = 0; a < q; a++) v += p.factors[lam + a] * z[i * q + a];
          X[row * D + j] = p.means[k * D + j] + scale * v;
        }
      }
    }
    return opts.shuffle ? shuffled(engine, rng, X, labels, D) : { X: new Matrix(n, D, X), labels };
  }

  /** The fitted model as tensors and metadata under `prefix` (see `MixtureOfFactorAnalyzers.fromState`). */
  toState(prefix = 'mfa.'): ModelState {
    const p = this.fitted();
    const [K, D, q] = [this.nComponents, this.nFeatures, this.nFactors];
    return {
      tensors: {
        [prefix + 'weights']: { shape: [K], data: p.weights },
        [prefix + 'means']: { shape: [K, D], data: p.means },
        [prefix + 'factors']: { shape: [K, D, q], data: p.factors },
        [prefix + 'noise']: { shape: [K, D], data: p.noise },
      },
      metadata: {
        [prefix + 'noise_type']: this.noiseType, [prefix + 'n_components']: String(K), [prefix + 'n_factors']: String(q),
        [prefix + 'n_features']: String(D), [prefix + 'reg_covar']: String(this.regCovar), [prefix + 'noise_floor']: String(this.noiseFloor), [prefix + 'converged']: String(this.converged),
        [prefix + 'n_iter']: String(this.nIter), [prefix + 'lower_bound']: String(this.lowerBound),
      },
    };
  }

  /** Rebuilds a fitted model from `toState` output (or parameters from elsewhere), checking every shape and value. */
  static fromState(tensors: Record<string, Tensor>, metadata: Record<string, string>, prefix = 'mfa.', options: MixtureOfFactorAnalyzersOptions = {}): MixtureOfFactorAnalyzers {
    const broken = (why: string) => new GaussfaceError(`model file is inconsistent: ${why}`, 'EFORMAT');
    const noiseType = enumField(metadata, prefix + 'noise_type', NOISE_TYPES);
    const K = intField(metadata, prefix + 'n_components', 1, 1 << 16);
    const D = intField(metadata, prefix + 'n_features', 2, 1 << 24);
    const q = intField(metadata, prefix + 'n_factors', 1, D - 1);
    const reg = options.regCovar ?? Number(metadata[prefix + 'reg_covar'] ?? 1e-6);
    if (!(reg > 0)) throw broken(`metadata "${prefix}reg_covar" = ${JSON.stringify(metadata[prefix + 'reg_covar'])}, expected a number > 0`);
    const floor = options.noiseFloor ?? Number(metadata[prefix + 'noise_floor'] ?? 0);
    if (!(floor >= 0 && floor < 1)) throw broken(`metadata "${prefix}noise_floor" = ${JSON.stringify(metadata[prefix + 'noise_floor'])}, expected a number in [0, 1)`);
    const m = new MixtureOfFactorAnalyzers({ ...options, nComponents: K, nFactors: q, noiseType, regCovar: reg, noiseFloor: floor });
    const weights = f64Tensor(tensors, prefix + 'weights', [K]);
    if (weights.some((w) => w < 0) || Math.abs(weights.reduce((a, b) => a + b, 0) - 1) > 1e-6)
      throw broken(`tensor "${prefix}weights": mixture weights must be ≥ 0 and sum to 1`);
    const noise = f64Tensor(tensors, prefix + 'noise', [K, D]);
    if (noise.some((v) => !(v > 0))) throw broken(`tensor "${prefix}noise": every noise variance Ψ must be > 0`);
    m.params = { weights, means: f64Tensor(tensors, prefix + 'means', [K, D]), factors: f64Tensor(tensors, prefix + 'factors', [K, D, q]), noise };
    m.nFeatures = D;
    m.converged = metadata[prefix + 'converged'] === 'true';
    m.nIter = Number(metadata[prefix + 'n_iter']) || 0;
    m.lowerBound = Number(metadata[prefix + 'lower_bound'] ?? NaN);
    return m;
  }
}
