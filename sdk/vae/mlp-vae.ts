// A fully connected variational autoencoder (W5's recipe: ReLU MLP encoder to μ | log σ², one reparameterised
// sample, ReLU MLP decoder to Bernoulli logits, BCE + β·KL, Adam), trained on one engine instance whose memory
// holds parameters, gradients, Adam moments and activations — allocated once, nothing copied per step.
// Convolutional presets and data-parallel training on the pool are not built yet.
import { Engine } from '../engine.js';
import { GaussfaceError } from '../errors.js';
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';
import { enumField, f64Tensor, intField } from '../model-state.js';
import { Random } from '../random.js';
import { decodeSafetensors, encodeSafetensors } from '../safetensors.js';

export interface MlpVaeOptions {
  /** Pixels per image (e.g. 784 for 28×28). */
  inputSize: number;
  /** Hidden widths of the encoder (the decoder mirrors them); default [512, 256] (W5). */
  hidden?: number[];
  /** Latent dimension (default 32). */
  latent?: number;
  /** Seed for the initial weights, the shuffles and ε (default 0). */
  randomState?: number;
}

export interface VaeFitOptions {
  epochs?: number;
  batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  lr?: number;
  /** Weight of the KL term (default 1). */
  beta?: number;
  onProgress?: (p: { epoch: number; step: number; steps: number; loss: number }) => void;
  signal?: AbortSignal;
}

interface Layer {
  nin: number;
  nout: number;
  /** Byte offsets of W (nout × nin) and b in the parameter buffer. */
  w: number;
  b: number;
}

const F = 4;
const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Parameter layout: encoder layers, the μ | log σ² head, then the decoder mirroring the encoder. */
function layout(input: number, hidden: number[], latent: number) {
  const enc = [input, ...hidden];
  const decIn = [latent, ...[...hidden].reverse()];
  const decOut = [...[...hidden].reverse(), input];
  const dims: [number, number][] = [
    ...hidden.map((h, i): [number, number] => [enc[i], h]),
    [enc[enc.length - 1], 2 * latent],
    ...decIn.map((nin, i): [number, number] => [nin, decOut[i]]),
  ];
  let at = 0;
  const layers = dims.map(([nin, nout]) => {
    const l = { nin, nout, w: at, b: at + nin * nout * F };
    at = l.b + nout * F;
    return l;
  });
  return { layers, bytes: at, nEnc: hidden.length };
}

/**
 * A fully connected VAE for images with pixels in [0, 1] (Bernoulli likelihood).
 *
 * ```js
 * import { MlpVae } from 'gaussface';
 * const vae = await MlpVae.create({ inputSize: 784, latent: 32 });
 * await vae.fit(X, { epochs: 10, batchSize: 128 });
 * const { X: faces } = await vae.sample(16);
 * ```
 */
export class MlpVae {
  readonly inputSize: number;
  readonly hidden: number[];
  readonly latent: number;
  readonly seed: number;
  /** Adam steps taken so far. */
  steps = 0;
  /** Mean loss (negative ELBO with β) of each epoch trained. */
  history: number[] = [];
  /** Free-form provenance saved with the model (e.g. the image format), as strings. */
  info: Record<string, string> = {};
  private readonly layers: Layer[];
  private readonly nEnc: number;
  private readonly nParams: number;
  private cap = 0;
  private buf: Record<string, number> = {};
  private drawn = 0;

  private constructor(private readonly e: Engine, opts: MlpVaeOptions, private readonly P: number, private readonly G: number, private readonly M: number, private readonly V: number) {
    this.inputSize = opts.inputSize;
    this.hidden = opts.hidden ?? [512, 256];
    this.latent = opts.latent ?? 32;
    this.seed = opts.randomState ?? 0;
    const l = layout(this.inputSize, this.hidden, this.latent);
    this.layers = l.layers;
    this.nEnc = l.nEnc;
    this.nParams = l.bytes / F;
  }

  /** A new model with PyTorch's default initialisation (U(±1/√fan_in) for weights and biases). */
  static async create(opts: MlpVaeOptions): Promise<MlpVae> {
    const { inputSize, hidden = [512, 256], latent = 32 } = opts;
    for (const [name, v] of [['inputSize', inputSize], ['latent', latent], ...hidden.map((h, i) => [`hidden[${i}]`, h] as const)] as const)
      if (!Number.isInteger(v) || v < 1) throw new GaussfaceError(`MlpVae: ${name} must be an integer ≥ 1, got ${v}`, 'EINPUT');
    const e = await Engine.instantiate();
    const bytes = layout(inputSize, hidden, latent).bytes;
    const [P, G, M, V] = [0, 1, 2, 3].map(() => e.alloc(bytes));
    const vae = new MlpVae(e, opts, P, G, M, V);
    const rng = new Random(vae.seed, 7);
    for (const l of vae.layers)
      for (const [at, n] of [[l.w, l.nin * l.nout], [l.b, l.nout]] as const) {
        const u = e.putF32(rng.uniform(e, n)); // f64 draws rounded to f32, as PyTorch's float uniform_
        e.call('init_fan_in_uniform', n, l.nin, u, P + at);
        e.free(u);
      }
    e.call('nn_zero', bytes / F, M);
    e.call('nn_zero', bytes / F, V);
    return vae;
  }

  /** Activation buffers for batches of up to `n` rows (grown, never per step). */
  private workspace(n: number) {
    if (n <= this.cap) return this.buf;
    for (const p of Object.values(this.buf)) this.e.free(p);
    const widths = this.layers.map((l) => l.nout);
    const b: Record<string, number> = { x: this.e.alloc(n * this.inputSize * F), eps: this.e.alloc(n * this.latent * F), z: this.e.alloc(n * this.latent * F), dz: this.e.alloc(n * this.latent * F), loss: this.e.alloc(n * 8), kl: this.e.alloc(n * 8) };
    widths.forEach((w, i) => {
      b[`a${i}`] = this.e.alloc(n * w * F);
      b[`d${i}`] = this.e.alloc(n * w * F);
    });
    this.buf = b;
    this.cap = n;
    return b;
  }

  private dense(i: number, n: number, x: number, y: number, relu: boolean) {
    const l = this.layers[i];
    this.e.call('dense_forward', n, l.nin, l.nout, x, this.P + l.w, this.P + l.b, y);
    if (relu) this.e.call('relu_forward', n * l.nout, y, y);
  }

  /** Encoder: a_{nEnc} = [μ | log σ²] of the rows at b.x. */
  private encodeRows(n: number) {
    const b = this.buf;
    let x = b.x;
    for (let i = 0; i <= this.nEnc; i++) {
      this.dense(i, n, x, b[`a${i}`], i < this.nEnc);
      x = b[`a${i}`];
    }
    return b[`a${this.nEnc}`];
  }

  /** Decoder from b.z: logits in the last activation. */
  private decodeRows(n: number) {
    const b = this.buf;
    let x = b.z;
    const last = this.layers.length - 1;
    for (let i = this.nEnc + 1; i <= last; i++) {
      this.dense(i, n, x, b[`a${i}`], i < last);
      x = b[`a${i}`];
    }
    return x;
  }

  /** Forward pass with fresh ε; per-image reconstruction (BCE) and KL in b.loss / b.kl. */
  private forward(n: number, stream: number) {
    const { e, latent: k } = this;
    const b = this.buf;
    const head = this.encodeRows(n);
    e.call('rng_normal', this.seed % 2 ** 32, Math.floor(this.seed / 2 ** 32), stream, this.drawn, n * k, b.eps);
    this.drawn += n * k;
    e.call('reparam_forward', n, k, head, head + k * F, 2 * k, b.eps, b.z);
    const logits = this.decodeRows(n);
    e.call('bce_logits_forward', n, this.inputSize, logits, b.x, b.loss);
    e.call('kl_normal_forward', n, k, head, head + k * F, 2 * k, b.kl);
    return { head, logits };
  }

  /** Gradients of the mean loss over n rows into G (zeroed first). */
  private backward(n: number, head: number, logits: number, beta: number) {
    const { e, latent: k } = this;
    const b = this.buf;
    const last = this.layers.length - 1;
    e.call('nn_zero', this.nParams, this.G);
    e.call('bce_logits_backward', n * this.inputSize, logits, b.x, 1 / n, b[`d${last}`]);
    for (let i = last; i >= 0; i--) {
      const l = this.layers[i];
      const input = i === 0 ? b.x : i === this.nEnc + 1 ? b.z : b[`a${i - 1}`];
      const dInput = i === 0 ? 0 : i === this.nEnc + 1 ? b.dz : b[`d${i - 1}`];
      e.call('dense_backward', n, l.nin, l.nout, input, this.P + l.w, b[`d${i}`], dInput, this.G + l.w, this.G + l.b);
      if (i === this.nEnc + 1) {
        // Through the sampling: KL gradient first (it overwrites), then the reparameterisation's (it adds).
        const dh = b[`d${this.nEnc}`];
        e.call('kl_normal_backward', n, k, head, head + k * F, 2 * k, beta / n, dh, dh + k * F);
        e.call('reparam_backward', n, k, head + k * F, 2 * k, b.eps, b.dz, dh, dh + k * F);
      } else if (i > 0 && i !== this.nEnc + 1 && i - 1 !== this.nEnc) {
        e.call('relu_backward', n * this.layers[i - 1].nout, b[`a${i - 1}`], b[`d${i - 1}`], b[`d${i - 1}`]);
      }
    }
  }

  private putRows(X: Matrix<Float32Array>, rows: ArrayLike<number>, n: number) {
    const x = this.e.f32(this.buf.x, n * this.inputSize);
    for (let r = 0; r < n; r++) x.set(X.row(rows[r]), r * this.inputSize);
  }

  private sumLoss(n: number, beta: number): number {
    const [rec, kl] = [this.e.f64(this.buf.loss, n), this.e.f64(this.buf.kl, n)];
    let s = 0;
    for (let i = 0; i < n; i++) s += rec[i] + beta * kl[i];
    return s;
  }

  private checkImages(X: MatrixLike, name: string): Matrix<Float32Array> {
    const m = asMatrix(X, name, { cols: this.inputSize, minRows: 1 });
    if (m.data.some((v) => v < 0 || v > 1)) throw new GaussfaceError(`${name}: pixel values must be in [0, 1] (Bernoulli likelihood); divide 8-bit images by 255`, 'EINPUT');
    return m;
  }

  /** Trains with Adam on minibatches reshuffled every epoch; resolves to the per-epoch mean losses. */
  async fit(X: MatrixLike, opts: VaeFitOptions = {}): Promise<number[]> {
    const data = this.checkImages(X, 'X');
    const { epochs = 1, batchSize = 128, lr = 1e-3, beta = 1, onProgress, signal } = opts;
    if (!Number.isInteger(epochs) || epochs < 1) throw new GaussfaceError(`epochs must be an integer ≥ 1, got ${epochs}`, 'EINPUT');
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new GaussfaceError(`batchSize must be an integer ≥ 1, got ${batchSize}`, 'EINPUT');
    const bs = Math.min(batchSize, data.rows);
    this.workspace(bs);
    const rng = new Random(this.seed, 1000 + this.history.length);
    const steps = Math.ceil(data.rows / bs);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.permutation(this.e, data.rows);
      let total = 0;
      for (let s = 0; s < steps; s++) {
        if (signal?.aborted) throw new GaussfaceError('training cancelled (AbortSignal); the model keeps the steps taken', 'EABORT');
        const n = Math.min(bs, data.rows - s * bs);
        this.putRows(data, order.subarray(s * bs, s * bs + n), n);
        const { head, logits } = this.forward(n, 1);
        total += this.sumLoss(n, beta);
        this.backward(n, head, logits, beta);
        this.steps++;
        this.e.call('adam_step', this.nParams, this.P, this.G, this.M, this.V, lr, ADAM.beta1, ADAM.beta2, ADAM.eps, this.steps);
        onProgress?.({ epoch: this.history.length + 1, step: s + 1, steps, loss: total / Math.min(data.rows, (s + 1) * bs) });
        if (s % 16 === 15) await new Promise((r) => setTimeout(r, 0)); // let a cancel arrive
      }
      this.history.push(total / data.rows);
    }
    return this.history;
  }

  /** Mean negative ELBO (nats per image, β = 1, one z sample per image): the W5 test figure. */
  async elbo(X: MatrixLike, opts: { batchSize?: number } = {}): Promise<number> {
    const data = this.checkImages(X, 'X');
    const bs = Math.min(opts.batchSize ?? 256, data.rows);
    this.workspace(bs);
    let total = 0;
    for (let s = 0; s < data.rows; s += bs) {
      const n = Math.min(bs, data.rows - s);
      this.putRows(data, Int32Array.from({ length: n }, (_, i) => s + i), n);
      this.forward(n, 2);
      total += this.sumLoss(n, 1);
    }
    return total / data.rows;
  }

  /** Posterior means and log-variances of the latent code (n × latent each). */
  async encode(X: MatrixLike): Promise<{ mu: Matrix<Float32Array>; logvar: Matrix<Float32Array> }> {
    const data = this.checkImages(X, 'X');
    const k = this.latent;
    const mu = new Float32Array(data.rows * k);
    const logvar = new Float32Array(data.rows * k);
    const bs = Math.min(256, data.rows);
    this.workspace(bs);
    for (let s = 0; s < data.rows; s += bs) {
      const n = Math.min(bs, data.rows - s);
      this.putRows(data, Int32Array.from({ length: n }, (_, i) => s + i), n);
      const head = this.e.f32(this.encodeRows(n), n * 2 * k);
      for (let i = 0; i < n; i++) {
        mu.set(head.subarray(2 * k * i, 2 * k * i + k), (s + i) * k);
        logvar.set(head.subarray(2 * k * i + k, 2 * k * (i + 1)), (s + i) * k);
      }
    }
    return { mu: new Matrix(data.rows, k, mu), logvar: new Matrix(data.rows, k, logvar) };
  }

  /** Pixel probabilities sigmoid(logits) for latent codes (n × latent). */
  async decode(Z: MatrixLike): Promise<Matrix<Float32Array>> {
    const z = asMatrix(Z, 'Z', { cols: this.latent, minRows: 1 });
    const out = new Float32Array(z.rows * this.inputSize);
    const bs = Math.min(256, z.rows);
    this.workspace(bs);
    for (let s = 0; s < z.rows; s += bs) {
      const n = Math.min(bs, z.rows - s);
      this.e.f32(this.buf.z, n * this.latent).set(z.data.subarray(s * this.latent, (s + n) * this.latent));
      const logits = this.decodeRows(n);
      this.e.call('sigmoid_forward', n * this.inputSize, logits, logits);
      out.set(this.e.f32(logits, n * this.inputSize), s * this.inputSize);
    }
    return new Matrix(z.rows, this.inputSize, out);
  }

  /** Images decoded from the means of the posterior (reconstructions). */
  async reconstruct(X: MatrixLike): Promise<Matrix<Float32Array>> {
    return this.decode((await this.encode(X)).mu);
  }

  /** n new images decoded from N(0, temperature·I). */
  async sample(n: number, opts: { temperature?: number; randomState?: number } = {}): Promise<{ X: Matrix<Float32Array>; z: Matrix<Float32Array> }> {
    if (!Number.isInteger(n) || n < 1) throw new GaussfaceError(`sample: n must be an integer ≥ 1, got ${n}`, 'EINPUT');
    const t = Math.sqrt(opts.temperature ?? 1);
    const z = new Random(opts.randomState ?? this.seed, 3).normal(this.e, n * this.latent).map((v) => v * t);
    const zm = new Matrix(n, this.latent, z);
    return { X: await this.decode(zm), z: zm };
  }

  /**
   * Importance-weighted bound on log p(x) (Burda et al.): mean over images of log (1/k) Σ_j p(x, z_j)/q(z_j | x),
   * nats per image (higher is better; ≥ −elbo on average, tighter as k grows).
   */
  async iwae(X: MatrixLike, k = 16): Promise<number> {
    if (!Number.isInteger(k) || k < 1) throw new GaussfaceError(`iwae: k must be an integer ≥ 1, got ${k}`, 'EINPUT');
    const data = this.checkImages(X, 'X');
    const L = this.latent;
    const bs = Math.min(256, data.rows);
    this.workspace(bs);
    let total = 0;
    for (let s = 0; s < data.rows; s += bs) {
      const n = Math.min(bs, data.rows - s);
      this.putRows(data, Int32Array.from({ length: n }, (_, i) => s + i), n);
      const logw = Array.from({ length: n }, () => new Float64Array(k));
      for (let j = 0; j < k; j++) {
        const { head } = this.forward(n, 4);
        const [rec, eps, z, h] = [this.e.f64(this.buf.loss, n), this.e.f32(this.buf.eps, n * L), this.e.f32(this.buf.z, n * L), this.e.f32(head, n * 2 * L)];
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
    }
    return total / data.rows;
  }

  /** `steps` images along the latent path between the codes (posterior means) of images a and b. */
  async interpolate(a: ArrayLike<number>, b: ArrayLike<number>, steps = 8, opts: { spherical?: boolean } = {}): Promise<Matrix<Float32Array>> {
    if (!Number.isInteger(steps) || steps < 2) throw new GaussfaceError(`interpolate: steps must be an integer ≥ 2, got ${steps}`, 'EINPUT');
    const { mu } = await this.encode([Array.from(a), Array.from(b)]);
    const [za, zb] = [mu.row(0), mu.row(1)];
    const L = this.latent;
    const norm = (v: Float32Array) => Math.hypot(...v);
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

  /** Unit direction in latent space from images without an attribute (label 0) to images with it (label 1). */
  async attributeVector(X: MatrixLike, labels: ArrayLike<number>): Promise<Float32Array> {
    const { mu } = await this.encode(X);
    if (labels.length !== mu.rows) throw new GaussfaceError(`attributeVector: ${labels.length} labels for ${mu.rows} images`, 'ESHAPE');
    const L = this.latent;
    const [pos, neg] = [new Float64Array(L), new Float64Array(L)];
    let [np, nn] = [0, 0];
    for (let i = 0; i < mu.rows; i++) {
      const into = labels[i] ? pos : neg;
      for (let c = 0; c < L; c++) into[c] += mu.data[i * L + c];
      if (labels[i]) np++;
      else nn++;
    }
    if (!np || !nn) throw new GaussfaceError('attributeVector needs images with the attribute (label 1) and without it (label 0)', 'EINPUT');
    const v = Float32Array.from(pos, (p, c) => p / np - neg[c] / nn);
    const len = Math.hypot(...v) || 1;
    return v.map((x) => x / len);
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

  /** The model (weights, Adam state, step) as a safetensors file; `MlpVae.fromBytes` resumes it exactly. */
  toBytes(): Uint8Array {
    const view = (p: number) => Float32Array.from(this.e.f32(p, this.nParams));
    return encodeSafetensors(
      { params: { shape: [this.nParams], data: view(this.P) }, 'adam.m': { shape: [this.nParams], data: view(this.M) }, 'adam.v': { shape: [this.nParams], data: view(this.V) }, history: { shape: [this.history.length], data: Float64Array.from(this.history) } },
      {
        format: 'gaussface-mlp-vae', version: '1', input_size: String(this.inputSize), hidden: this.hidden.join(','), latent: String(this.latent),
        seed: String(this.seed), steps: String(this.steps), drawn: String(this.drawn),
        ...Object.fromEntries(Object.entries(this.info).map(([k, v]) => [`info.${k}`, v])),
      },
    );
  }

  /** Reads a model file written by `toBytes`, validating it before use. */
  static async fromBytes(bytes: Uint8Array): Promise<MlpVae> {
    const { tensors, metadata } = decodeSafetensors(bytes);
    enumField(metadata, 'format', ['gaussface-mlp-vae'] as const);
    const hidden = (metadata.hidden ?? '').split(',').map(Number);
    const vae = await MlpVae.create({ inputSize: intField(metadata, 'input_size', 1, 1 << 24), hidden, latent: intField(metadata, 'latent', 1, 1 << 16), randomState: intField(metadata, 'seed', 0, Number.MAX_SAFE_INTEGER) });
    const n = vae.nParams;
    for (const [name, p] of [['params', vae.P], ['adam.m', vae.M], ['adam.v', vae.V]] as const) {
      const t = tensors[name];
      if (!t || t.dtype !== 'F32' || t.shape.length !== 1 || t.shape[0] !== n) throw new GaussfaceError(`model file is inconsistent: tensor "${name}" must be F32 [${n}]`, 'EFORMAT');
      vae.e.f32(p, n).set(t.data as Float32Array);
    }
    vae.steps = intField(metadata, 'steps', 0, Number.MAX_SAFE_INTEGER);
    vae.drawn = intField(metadata, 'drawn', 0, Number.MAX_SAFE_INTEGER);
    vae.history = Array.from(f64Tensor(tensors, 'history', [tensors.history?.shape[0] ?? 0]));
    vae.info = Object.fromEntries(Object.entries(metadata).filter(([k]) => k.startsWith('info.')).map(([k, v]) => [k.slice(5), v]));
    return vae;
  }
}
