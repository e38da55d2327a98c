// The VAE model: a network built from a config or preset, trained with Adam on minibatches — in the calling
// thread, or data-parallel over the worker pool — and the analyses of the reference projects on top (ELBO, IWAE,
// reconstructions, samples, latent interpolation, attribute vectors, latent statistics), saved as safetensors.
import type { Engine } from '../engine.js';
import { loadEngine } from '../engine-builds.js';
import { GaussfaceError } from '../errors.js';
import { exclusive } from '../exclusive.js';
import { checkSampleCount } from '../sample-limit.js';
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';
import { f32Tensor, f64Tensor, intField, lengthOf } from '../model-state.js';
import { getPool, type Pool } from '../pool.js';
import { Random } from '../random.js';
import { decodeSafetensors, encodeSafetensors, type FileBytes, type Tensor } from '../safetensors.js';
import type { EpochOutcome, EpochParams } from '../tasks/vae.js';
import { buildNetwork, opSize, presetConfig, type VaeConfig, type VaePreset } from './architecture.js';
import { adamSegment, Exchange, trainEpoch, type EpochPlan, type Moments } from './epoch.js';
import { EPS_EVAL, Network } from './network.js';
import { tasks } from '../tasks/index.js';
import { attributeDirection, type DirectionOptions } from '../pipelines/attribute-direction.js';

const F = 4;
/** The `format` of a VAE model file's metadata. */
export const VAE_FORMAT = 'gaussface-vae';
const ATTRIBUTE_PREFIX = 'attribute.';
const ATTRIBUTE_NAME = /^[\p{L}\p{N}_\- ]{1,64}$/u;
const EPS_IWAE = 4;

export interface VaeOptions {
  /** A named architecture (default 'mlp'), built for `input`. */
  preset?: VaePreset;
  /** The image shape; with a preset, `{ channels: 1, height: 28, width: 28 }` and so on. */
  input?: VaeConfig['input'];
  /** A full architecture instead of a preset (see VaeConfig). */
  config?: VaeConfig;
  /** Overrides the latent dimension of a preset. */
  latent?: number;
  /** Overrides the pixel likelihood of a preset: 'bernoulli' (the presets') or 'gaussian' (sharper on photos). */
  likelihood?: VaeConfig['likelihood'];
  /** Overrides the variance of a Gaussian likelihood (e.g. 0.01: pixel noise σ = 0.1). */
  variance?: number;
  /** Seed for the initial weights, the shuffles and ε (default 0). */
  randomState?: number;
}

export interface VaeFitOptions {
  epochs?: number;
  /** Minibatch size (default 128); with several workers each takes a slice of every minibatch. */
  batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  lr?: number;
  /** Weight of the KL term (default 1). */
  beta?: number;
  /** Held-out images: their negative ELBO is measured after every epoch (`validationHistory`). */
  validation?: MatrixLike;
  /**
   * Early stopping: stop when the validation ELBO has not improved for this many epochs, and go back to the
   * best epoch's model (default 5 when `validation` is given).
   */
  patience?: number;
  /** Called after every step (with several workers: at most every 100 ms) with the running mean loss. */
  onProgress?: (p: { epoch: number; step: number; steps: number; loss: number }) => void;
  /** Called after every epoch with the model file (weights, Adam state, step): write it to resume later. */
  checkpoint?: (bytes: Uint8Array, info: { epoch: number }) => void | Promise<void>;
  /** Stops after the current step; the model keeps the steps taken and fit rejects with code EABORT. */
  signal?: AbortSignal;
  /**
   * Where to train (default: the shared pool, one replica per worker; results are reproducible for a given
   * number of workers). A pool of one worker, or a runtime without SharedArrayBuffer (a page that is not
   * cross-origin isolated), trains in the calling thread.
   */
  pool?: Pool;
}

export interface VaeFitResult {
  /** Mean training loss (negative ELBO with β, nats per image) of each epoch of this call. */
  loss: number[];
  /** Validation negative ELBO of each epoch (empty without `validation`). */
  validation: number[];
  /** With validation: the epoch (1-based, of this call) whose model was kept. */
  bestEpoch?: number;
  stoppedEarly: boolean;
}

/** One epoch's run, wherever it happens. */
interface Trainer {
  epoch(plan: EpochPlan, onStep: (step: number, steps: number, loss: number) => void, signal?: AbortSignal): Promise<{ steps: number; loss: number; drawn: number }>;
  close(): void;
}

/**
 * A variational autoencoder for images with pixels in [0, 1].
 *
 * ```js
 * import { VAE } from 'gaussface';
 * const vae = await VAE.create({ preset: 'conv64', input: { channels: 1, height: 64, width: 64 } });
 * await vae.fit(X, { epochs: 10, batchSize: 64, validation: Xval });
 * const { X: faces } = await vae.sample(16);
 * ```
 */
export class VAE {
  readonly config: VaeConfig;
  readonly inputSize: number;
  readonly latent: number;
  readonly seed: number;
  /** Adam steps taken so far. */
  steps = 0;
  /** Mean training loss of every epoch trained (across fits and resumes). */
  history: number[] = [];
  /** Validation negative ELBO of every epoch trained with validation data. */
  validationHistory: number[] = [];
  /** Free-form provenance saved with the model (e.g. the image format), as strings. */
  info: Record<string, string> = {};
  /**
   * Named latent directions saved with the model (tensors `attribute.<name>`, F32 [latent]), e.g. 'Smiling' from
   * `attributeVector`: a viewer (the `<gaussface-morph>` widget) can then offer the edit without the data set.
   * Set them with `setAttribute`.
   */
  readonly attributes = new Map<string, Float32Array>();
  private readonly net: Network;
  private readonly moments: Moments;
  private drawn = 0;

  private constructor(private readonly e: Engine, config: VaeConfig, seed: number) {
    this.config = config;
    this.seed = seed;
    this.net = new Network(e, config, seed);
    this.inputSize = this.net.inputSize;
    this.latent = config.latent;
    const bytes = this.net.nParams * F;
    this.moments = { M: e.alloc(bytes), V: e.alloc(bytes) };
    e.call('nn_zero', this.net.nParams, this.moments.M);
    e.call('nn_zero', this.net.nParams, this.moments.V);
  }

  /** A new model with PyTorch's default initialisation. */
  static async create(opts: VaeOptions = {}): Promise<VAE> {
    const seed = opts.randomState ?? 0;
    new Random(seed); // validates the seed
    let config = opts.config;
    if (!config) {
      if (!opts.input) throw new GaussfaceError('VAE.create needs `input` ({ channels, height, width }) with a preset, or a full `config`', 'EINPUT');
      config = presetConfig(opts.preset ?? 'mlp', opts.input);
    }
    for (const key of ['latent', 'likelihood', 'variance'] as const) if (opts[key] !== undefined) config = { ...config, [key]: opts[key] };
    buildNetwork(config); // checks the config before the engine is touched
    const vae = new VAE(await loadEngine(), structuredClone(config), seed);
    vae.net.initialise();
    return vae;
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.net.layout.ops.reduce((s, op) => s + op.nW + op.to[0], 0);
  }

  private checkImages(X: MatrixLike, name: string): Matrix<Float32Array> {
    const m = asMatrix(X, name, { cols: this.inputSize, minRows: 1 });
    const px = m.data;
    for (let i = 0; i < px.length; i++) {
      const v = px[i]; // an indexed loop: for…of over a typed array is 4× slower (0.5 s on Fashion-MNIST)
      if (!(v >= 0 && v <= 1)) throw new GaussfaceError(`${name}: pixel values must be in [0, 1]${Number.isNaN(v) ? ' (found NaN)' : ''}; divide 8-bit images by 255`, 'EINPUT');
    }
    return m;
  }

  /**
   * Trains with Adam on minibatches reshuffled every epoch. One fit at a time per object: another one before it
   * settles rejects with code EBUSY.
   */
  fit(X: MatrixLike, opts: VaeFitOptions = {}): Promise<VaeFitResult> {
    return exclusive(this, 'fit', () => this.fitOnce(X, opts));
  }

  private async fitOnce(X: MatrixLike, opts: VaeFitOptions): Promise<VaeFitResult> {
    const data = this.checkImages(X, 'X');
    const val = opts.validation === undefined ? undefined : this.checkImages(opts.validation, 'validation');
    const { epochs = 1, batchSize = 128, lr = 1e-3, beta = 1, patience = 5, onProgress, signal, checkpoint } = opts;
    for (const [name, v] of [['epochs', epochs], ['batchSize', batchSize], ['patience', patience]] as const)
      if (!Number.isInteger(v) || v < 1) throw new GaussfaceError(`${name} must be an integer ≥ 1, got ${v}`, 'EINPUT');
    for (const [name, v] of [['lr', lr], ['beta', beta]] as const)
      if (!(v >= 0) || !Number.isFinite(v)) throw new GaussfaceError(`${name} must be a finite number ≥ 0, got ${v}`, 'EINPUT');
    const trainer = await this.trainer(data, opts.pool ?? (await getPool()));
    const result: VaeFitResult = { loss: [], validation: [], stoppedEarly: false };
    let best: { value: number; epoch: number; state: Uint8Array } | undefined;
    let good = this.toBytes(); // the last finite state: where a diverged epoch goes back to
    try {
      for (let ep = 0; ep < epochs && !result.stoppedEarly; ep++) {
        if (signal?.aborted) throw aborted();
        const epoch = this.history.length;
        const plan: EpochPlan = { rows: data.rows, batchSize, lr, beta, epoch, step0: this.steps, drawn0: this.drawn };
        const r = await trainer.epoch(plan, (step, steps, loss) => onProgress?.({ epoch: epoch + 1, step, steps, loss: loss / Math.min(data.rows, step * Math.min(batchSize, data.rows)) }), signal);
        this.steps += r.steps;
        this.drawn = r.drawn;
        if (r.steps < Math.ceil(data.rows / Math.min(batchSize, data.rows))) throw aborted();
        const v = val ? await this.elbo(val) : undefined;
        // A NaN/Infinity loss or weight never reaches history, a checkpoint or the caller's model.
        if (!Number.isFinite(r.loss) || (v !== undefined && !Number.isFinite(v)) || !this.stateFinite()) {
          this.restore(good);
          throw diverged(epoch + 1, r.loss / data.rows, lr);
        }
        this.history.push(r.loss / data.rows);
        result.loss.push(r.loss / data.rows);
        if (v !== undefined) {
          this.validationHistory.push(v);
          result.validation.push(v);
        }
        good = this.toBytes();
        if (v !== undefined) {
          if (!best || v < best.value) best = { value: v, epoch: ep + 1, state: good };
          else if (ep + 1 - best.epoch >= patience) result.stoppedEarly = true;
        }
        await checkpoint?.(good, { epoch: this.history.length });
      }
    } finally {
      trainer.close();
    }
    if (best) {
      result.bestEpoch = best.epoch;
      if (best.epoch !== result.validation.length) this.restore(best.state);
    }
    return result;
  }

  /** True when every weight and Adam moment is finite (checked after each epoch: a diverged run is not saved). */
  private stateFinite(): boolean {
    const n = this.net.nParams;
    for (const p of [this.net.P, this.moments.M, this.moments.V]) {
      const a = this.e.f32(p, n);
      for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) return false;
    }
    return true;
  }

  /** Where the epochs run: one replica in this thread, or one per pool worker with shared-memory gradients. */
  private async trainer(data: Matrix<Float32Array>, pool: Pool): Promise<Trainer> {
    const { net, moments, e, config, seed } = this;
    const shared = typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
    if (pool.size === 1 || !shared) {
      return {
        async epoch(plan, onStep, signal) {
          let last = { step: 0, loss: 0, drawn: plan.drawn0 };
          let yielded = performance.now();
          for (const r of trainEpoch(net, data.data, plan, (t) => adamSegment(net, moments, plan.lr, t))) {
            last = r;
            onStep(r.step, r.steps, r.loss);
            if (performance.now() - yielded > 50) {
              await new Promise((res) => setTimeout(res, 0)); // let a cancel or a progress redraw through
              yielded = performance.now();
            }
            if (signal?.aborted) break;
          }
          return { steps: last.step, loss: last.loss, drawn: last.drawn };
        },
        close() {},
      };
    }
    const world = pool.size;
    const x = Exchange.create(world, net.nParams);
    const rows = new SharedArrayBuffer(data.data.byteLength);
    new Float32Array(rows).set(data.data);
    const n = net.nParams;
    return {
      async epoch(plan, onStep, signal) {
        x.reset(!!signal?.aborted);
        x.params.set(e.f32(net.P, n));
        x.M.set(e.f32(moments.M, n));
        x.V.set(e.f32(moments.V, n));
        const steps = Math.ceil(plan.rows / Math.min(plan.batchSize, plan.rows));
        const poll = () => {
          let [step, loss] = [Infinity, 0];
          for (let r = 0; r < world; r++) [step, loss] = [Math.min(step, x.progress[2 * r]), loss + x.progress[2 * r + 1]];
          if (step > 0) onStep(step, steps, loss);
        };
        const timer = setInterval(poll, 100);
        const onAbort = () => Atomics.store(x.ctrl, Exchange.ABORT, 1);
        signal?.addEventListener('abort', onAbort);
        let outs: EpochOutcome[];
        try {
          const params: EpochParams = { config, seed, data: rows, exchange: x.sab, world, plan };
          outs = await pool.broadcast(tasks.vae.epoch, params);
        } catch (err) {
          Atomics.store(x.ctrl, Exchange.DEAD, 1); // releases replicas waiting on a dead partner
          for (let w = 0; w < world; w++) pool.restart(w);
          throw err;
        } finally {
          clearInterval(timer);
          signal?.removeEventListener('abort', onAbort);
        }
        e.f32(net.P, n).set(x.params);
        e.f32(moments.M, n).set(x.M);
        e.f32(moments.V, n).set(x.V);
        outs.sort((a, b) => a.rank - b.rank);
        const loss = outs.reduce((s, o) => s + o.loss, 0);
        onStep(outs[0].steps, steps, loss);
        return { steps: outs[0].steps, loss, drawn: outs[0].drawn };
      },
      close() {},
    };
  }

  /** Rows per evaluation batch: up to 256, fewer when a batch's activations would pass 64 MiB (large conv nets). */
  private evalBatch(): number {
    const perRow = 4 * (this.inputSize + 2 * this.net.layout.ops.reduce((s, op) => s + opSize(op), 0));
    return Math.max(1, Math.min(256, Math.floor(2 ** 26 / perRow)));
  }

  /** Runs `fn` over X in evaluation batches put in the batch buffer; fn gets (rows, first row). */
  private batches(data: Matrix<Float32Array>, fn: (n: number, s: number) => void): void {
    const bs = Math.min(this.evalBatch(), data.rows);
    this.net.workspace(bs);
    for (let s = 0; s < data.rows; s += bs) {
      const n = Math.min(bs, data.rows - s);
      this.net.putRows(data.data, Int32Array.from({ length: n }, (_, i) => s + i), n);
      fn(n, s);
    }
  }

  /**
   * Throws when a result is NaN or infinite: finite but extreme weights (a corrupt file, a run that was diverging)
   * overflow float32 activations, and a NaN handed on would surface far from its cause.
   */
  private finiteOutput<T extends ArrayLike<number>>(what: string, values: T): T {
    for (let i = 0; i < values.length; i++)
      if (!Number.isFinite(values[i])) {
        const w = this.e.f32(this.net.P, this.net.nParams).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        throw new GaussfaceError(`VAE.${what}: the model gives ${values[i]} (its largest weight is ${w.toPrecision(3)}); it has diverged or its file is corrupt — retrain with a lower learning rate or load an earlier checkpoint`, 'EDIVERGED');
      }
    return values;
  }

  /** Mean negative ELBO (nats per image, β = 1, one z per image from fixed draws, so repeated calls agree). */
  async elbo(X: MatrixLike): Promise<number> {
    const data = this.checkImages(X, 'X');
    let total = 0;
    this.batches(data, (n, s) => {
      this.net.forward(n, EPS_EVAL, s * this.latent);
      total += this.net.lossSum(n, 1);
    });
    return this.finiteOutput('elbo', [total / data.rows])[0];
  }

  /**
   * Importance-weighted bound on log p(x) (Burda et al.): mean over images of log (1/k) Σ_j p(x, z_j)/q(z_j | x),
   * nats per image (higher is better; ≥ −elbo on average, tighter as k grows).
   */
  async iwae(X: MatrixLike, k = 16): Promise<number> {
    if (!Number.isInteger(k) || k < 1) throw new GaussfaceError(`iwae: k must be an integer ≥ 1, got ${k}`, 'EINPUT');
    const data = this.checkImages(X, 'X');
    const L = this.latent;
    let total = 0;
    this.batches(data, (n, s) => {
      const logw = Array.from({ length: n }, () => new Float64Array(k));
      for (let j = 0; j < k; j++) {
        const { head } = this.net.forward(n, EPS_IWAE, (j * data.rows + s) * L);
        const rec = this.net.rowLosses(n);
        const { eps, z } = this.net.draws(n);
        const h = this.e.f32(head, n * 2 * L);
        for (let i = 0; i < n; i++) {
          // log p(x|z) + log p(z) − log q(z|x); the ½·log 2π terms cancel.
          let t = -rec[i];
          for (let c = 0; c < L; c++) t += -0.5 * z[i * L + c] ** 2 + 0.5 * (h[i * 2 * L + L + c] + eps[i * L + c] ** 2);
          logw[i][j] = t;
        }
      }
      for (const w of logw) {
        const m = Math.max(...w);
        total += m + Math.log(w.reduce((a, v) => a + Math.exp(v - m), 0) / k);
      }
    });
    return this.finiteOutput('iwae', [total / data.rows])[0];
  }

  /** Posterior means and log-variances of the latent code (n × latent each). */
  async encode(X: MatrixLike): Promise<{ mu: Matrix<Float32Array>; logvar: Matrix<Float32Array> }> {
    const data = this.checkImages(X, 'X');
    const k = this.latent;
    const [mu, logvar] = [new Float32Array(data.rows * k), new Float32Array(data.rows * k)];
    this.batches(data, (n, s) => {
      const head = this.e.f32(this.net.encode(n), n * 2 * k);
      for (let i = 0; i < n; i++) {
        mu.set(head.subarray(2 * k * i, 2 * k * i + k), (s + i) * k);
        logvar.set(head.subarray(2 * k * i + k, 2 * k * (i + 1)), (s + i) * k);
      }
    });
    return { mu: new Matrix(data.rows, k, this.finiteOutput('encode', mu)), logvar: new Matrix(data.rows, k, this.finiteOutput('encode', logvar)) };
  }

  /** Images (pixel probabilities, or Gaussian means) for latent codes (n × latent). */
  async decode(Z: MatrixLike): Promise<Matrix<Float32Array>> {
    const z = asMatrix(Z, 'Z', { cols: this.latent, minRows: 1 });
    const [D, L] = [this.inputSize, this.latent];
    const out = new Float32Array(z.rows * D);
    const bs = Math.min(this.evalBatch(), z.rows);
    for (let s = 0; s < z.rows; s += bs) {
      const n = Math.min(bs, z.rows - s);
      this.e.f32(this.net.zBuffer(n), n * L).set(z.data.subarray(s * L, (s + n) * L));
      const y = this.net.decode(n);
      this.net.toPixels(y, n);
      this.net.takeImages(y, n, out, s * D);
    }
    return new Matrix(z.rows, D, this.finiteOutput('decode', out));
  }

  /** Images decoded from the means of the posterior (reconstructions). */
  async reconstruct(X: MatrixLike): Promise<Matrix<Float32Array>> {
    return this.decode((await this.encode(X)).mu);
  }

  /** n new images decoded from N(0, temperature·I). */
  async sample(n: number, opts: { temperature?: number; randomState?: number } = {}): Promise<{ X: Matrix<Float32Array>; z: Matrix<Float32Array> }> {
    checkSampleCount('sample', n, Math.max(this.inputSize, this.latent));
    const temperature = opts.temperature ?? 1;
    if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new GaussfaceError(`sample: temperature must be a finite number ≥ 0, got ${temperature}`, 'EINPUT');
    const t = Math.sqrt(temperature);
    const z = new Random(opts.randomState ?? this.seed, 3).normal(this.e, n * this.latent).map((v) => v * t);
    const zm = new Matrix(n, this.latent, z);
    return { X: await this.decode(zm), z: zm };
  }

  /** `steps` images along the latent path between the codes (posterior means) of images a and b. */
  async interpolate(a: ArrayLike<number>, b: ArrayLike<number>, steps = 8, opts: { spherical?: boolean } = {}): Promise<Matrix<Float32Array>> {
    if (!Number.isInteger(steps) || steps < 2) throw new GaussfaceError(`interpolate: steps must be an integer ≥ 2, got ${steps}`, 'EINPUT');
    const { mu } = await this.encode([Array.from(a), Array.from(b)]);
    const [za, zb] = [mu.row(0), mu.row(1)];
    const L = this.latent;
    const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const omega = Math.acos(Math.min(1, Math.max(-1, za.reduce((s, v, i) => s + v * zb[i], 0) / (norm(za) * norm(zb) || 1))));
    const Z = new Float32Array(steps * L);
    for (let t = 0; t < steps; t++) {
      const u = t / (steps - 1);
      // Spherical: along the great circle (keeps the norm typical of N(0, I) samples); else straight.
      const [wa, wb] = opts.spherical && omega > 1e-6 ? [Math.sin((1 - u) * omega) / Math.sin(omega), Math.sin(u * omega) / Math.sin(omega)] : [1 - u, u];
      for (let c = 0; c < L; c++) Z[t * L + c] = wa * za[c] + wb * zb[c];
    }
    return this.decode(new Matrix(steps, L, Z));
  }

  /** attributeDirection of the images' posterior means: length 1, or with `{ scale: 'spread' }` one standard deviation. */
  async attributeVector(X: MatrixLike, labels: ArrayLike<number>, opts: DirectionOptions = {}): Promise<Float32Array> {
    const { mu } = await this.encode(X);
    if (labels.length !== mu.rows) throw new GaussfaceError(`attributeVector: ${labels.length} labels for ${mu.rows} images`, 'ESHAPE');
    return attributeDirection(mu, labels, opts);
  }

  /**
   * Stores a named latent direction in the model (saved by `toBytes`, read back by `fromBytes`); replaces one of
   * the same name. Names: 1–64 characters of letters, digits, `_`, `-` and spaces.
   */
  setAttribute(name: string, vector: ArrayLike<number>): void {
    if (typeof name !== 'string' || !ATTRIBUTE_NAME.test(name)) throw new GaussfaceError(`setAttribute: the name must be 1–64 letters, digits, '_', '-' or spaces, got ${JSON.stringify(name)}`, 'EINPUT');
    if (vector.length !== this.latent) throw new GaussfaceError(`setAttribute: the vector has ${vector.length} values, the latent space ${this.latent}`, 'ESHAPE');
    const v = Float32Array.from(vector);
    if (!v.every(Number.isFinite)) throw new GaussfaceError(`setAttribute: the vector '${name}' has non-finite values`, 'EINPUT');
    this.attributes.set(name, v);
  }

  /** Images with `strength` × the attribute direction added to their codes. */
  async applyAttribute(X: MatrixLike, vector: ArrayLike<number>, strength = 1): Promise<Matrix<Float32Array>> {
    if (vector.length !== this.latent) throw new GaussfaceError(`applyAttribute: the vector has ${vector.length} values, the latent space ${this.latent}`, 'ESHAPE');
    const { mu } = await this.encode(X);
    for (let i = 0; i < mu.data.length; i++) mu.data[i] += strength * vector[i % this.latent];
    return this.decode(mu);
  }

  /** Per latent dimension: mean and variance of μ over X, mean KL to N(0, 1), and which units are active (Var μ > 0.01). */
  async latentStats(X: MatrixLike): Promise<{ mean: Float64Array; variance: Float64Array; kl: Float64Array; active: boolean[] }> {
    const { mu, logvar } = await this.encode(X);
    const [n, L] = [mu.rows, this.latent];
    const [mean, variance, kl] = [new Float64Array(L), new Float64Array(L), new Float64Array(L)];
    for (let i = 0; i < n; i++)
      for (let c = 0; c < L; c++) {
        const [m, lv] = [mu.data[i * L + c], logvar.data[i * L + c]];
        mean[c] += m / n;
        kl[c] += (-0.5 * (1 + lv - m * m - Math.exp(lv))) / n;
      }
    for (let i = 0; i < n; i++) for (let c = 0; c < L; c++) variance[c] += (mu.data[i * L + c] - mean[c]) ** 2 / Math.max(1, n - 1);
    return { mean, variance, kl, active: Array.from(variance, (v) => v > 0.01) };
  }

  /** The model (architecture, weights, Adam state, step, histories) as a safetensors file; `VAE.fromBytes` resumes it exactly. */
  toBytes(): Uint8Array {
    const n = this.net.nParams;
    const view = (p: number) => Float32Array.from(this.e.f32(p, n));
    return encodeSafetensors(
      {
        params: { shape: [n], data: view(this.net.P) }, 'adam.m': { shape: [n], data: view(this.moments.M) }, 'adam.v': { shape: [n], data: view(this.moments.V) },
        history: { shape: [this.history.length], data: Float64Array.from(this.history) },
        validation: { shape: [this.validationHistory.length], data: Float64Array.from(this.validationHistory) },
        ...Object.fromEntries([...this.attributes].map(([name, v]) => [ATTRIBUTE_PREFIX + name, { shape: [v.length], data: v }])),
      },
      {
        format: VAE_FORMAT, version: '1', config: JSON.stringify(this.config), seed: String(this.seed), steps: String(this.steps), drawn: String(this.drawn),
        ...Object.fromEntries(Object.entries(this.info).map(([k, v]) => [`info.${k}`, v])),
      },
    );
  }

  /**
   * Reads a model file written by `toBytes` (a Uint8Array, a Node Buffer or an ArrayBuffer), validating all of it —
   * the config against the tensors' sizes, and every weight and Adam moment finite — before building the network.
   */
  static async fromBytes(bytes: FileBytes): Promise<VAE> {
    const { tensors, metadata } = decodeSafetensors(bytes);
    if (metadata.format !== VAE_FORMAT) throw new GaussfaceError(`not a gaussface VAE file (format "${metadata.format ?? ''}"); VAE files come from VAE.toBytes or gaussface vae train`, 'EFORMAT');
    if (metadata.version !== '1') throw new GaussfaceError(`VAE file version ${metadata.version} is not supported (this gaussface reads version 1)`, 'EFORMAT');
    let config: VaeConfig;
    try {
      config = JSON.parse(metadata.config ?? '');
    } catch {
      throw new GaussfaceError('model file is inconsistent: its "config" metadata is not valid JSON', 'EFORMAT');
    }
    let nParams: number;
    try {
      nParams = buildNetwork(config).nParams; // shape arithmetic only: nothing allocated yet
    } catch (err) {
      throw new GaussfaceError(`model file is inconsistent: ${(err as Error).message}`, 'EFORMAT');
    }
    // The tensors (bounded by the file's size) must fit the config before the engine allocates for it.
    const state = VAE.readState(tensors, metadata, nParams, config.latent);
    const vae = await VAE.create({ config, randomState: intField(metadata, 'seed', 0, Number.MAX_SAFE_INTEGER) });
    vae.setState(state);
    return vae;
  }

  /** The state in a model file, checked against a network of `n` parameters and `latent` codes (EFORMAT otherwise). */
  private static readState(tensors: Record<string, Tensor>, metadata: Record<string, string>, n: number, latent: number) {
    const [params, m, v] = (['params', 'adam.m', 'adam.v'] as const).map((name) => f32Tensor(tensors, name, [n]));
    // A negative second moment would make Adam's √v NaN on the first resumed step.
    for (let i = 0; i < n; i++)
      if (v[i] < 0) throw new GaussfaceError(`model file is inconsistent: tensor "adam.v" has a negative value (${v[i]} at index ${i}); Adam's second moments are ≥ 0 — the file is corrupt`, 'EFORMAT');
    return {
      params, m, v,
      steps: intField(metadata, 'steps', 0, Number.MAX_SAFE_INTEGER),
      drawn: intField(metadata, 'drawn', 0, Number.MAX_SAFE_INTEGER),
      history: Array.from(f64Tensor(tensors, 'history', [lengthOf(tensors, 'history')])),
      validation: Array.from(f64Tensor(tensors, 'validation', [lengthOf(tensors, 'validation')])),
      info: Object.fromEntries(Object.entries(metadata).filter(([k]) => k.startsWith('info.')).map(([k, val]) => [k.slice(5), val])),
      // Named attribute directions (setAttribute), one tensor each.
      attributes: Object.keys(tensors).filter((k) => k.startsWith(ATTRIBUTE_PREFIX)).map((k) => [k.slice(ATTRIBUTE_PREFIX.length), f32Tensor(tensors, k, [latent])] as const),
    };
  }

  private setState(s: ReturnType<typeof VAE.readState>): void {
    const n = this.net.nParams;
    this.e.f32(this.net.P, n).set(s.params);
    this.e.f32(this.moments.M, n).set(s.m);
    this.e.f32(this.moments.V, n).set(s.v);
    [this.steps, this.drawn, this.history, this.validationHistory, this.info] = [s.steps, s.drawn, s.history, s.validation, s.info];
    this.attributes.clear();
    for (const [name, v] of s.attributes)
      try {
        this.setAttribute(name, v);
      } catch (e) {
        throw new GaussfaceError(`model file is inconsistent: ${(e as Error).message}`, 'EFORMAT');
      }
  }

  /** Goes back to a state saved by toBytes (early stopping's best epoch); the histories keep every epoch run. */
  private restore(bytes: Uint8Array): void {
    const { tensors, metadata } = decodeSafetensors(bytes);
    const [history, validation] = [this.history, this.validationHistory];
    this.setState(VAE.readState(tensors, metadata, this.net.nParams, this.latent));
    [this.history, this.validationHistory] = [history, validation];
  }
}

const diverged = (epoch: number, loss: number, lr: number) =>
  new GaussfaceError(
    `training diverged in epoch ${epoch} (loss ${loss}): the weights are no longer finite. The model was put back to its state before that epoch and no checkpoint was written for it; lower the learning rate (lr ${lr}; try ${lr / 10}) or check the data`,
    'EDIVERGED',
  );
const aborted = () => new GaussfaceError('training cancelled (AbortSignal); the model keeps the steps taken', 'EABORT');
