// A built VAE network on one engine instance: parameters, gradients and activations in engine memory (allocated
// once per batch capacity, never per step) and the forward/backward passes as kernel calls. The same class runs
// in the calling thread and in every data-parallel replica.
import type { Engine } from '../engine.js';
import { Random } from '../random.js';
import { buildNetwork, opSize, type Network as Layout, type Op, type VaeConfig } from './architecture.js';

const F = 4;

/** The ε streams: training draws continue one stream; evaluation uses fixed draws per row (comparable runs). */
export const EPS_TRAIN = 1;
export const EPS_EVAL = 2;

export class Network {
  readonly layout: Layout;
  readonly latent: number;
  readonly inputSize: number;
  readonly nParams: number;
  /** Parameters and their gradients (f32, nParams each). */
  readonly P: number;
  readonly G: number;
  private cap = 0;
  private buf: { x: number; eps: number; z: number; dz: number; loss: number; kl: number; work: number; a: number[]; d: number[] } | undefined;

  constructor(readonly e: Engine, readonly config: VaeConfig, readonly seed: number) {
    this.layout = buildNetwork(config);
    this.latent = config.latent;
    this.inputSize = this.layout.inputSize;
    this.nParams = this.layout.nParams;
    this.P = e.alloc(this.nParams * F);
    this.G = e.alloc(this.nParams * F);
    e.call('nn_zero', this.nParams, this.P);
  }

  /** PyTorch's default initialisation, U(±1/√fan_in) for weights and biases, from the seed's stream 7. */
  initialise(): void {
    const rng = new Random(this.seed, 7);
    for (const op of this.layout.ops)
      for (const [at, n] of [[op.w, op.nW], [op.b, op.to[0]]] as const) {
        const u = this.e.putF32(rng.uniform(this.e, n)); // f64 draws rounded to f32, as PyTorch's float uniform_
        this.e.call('init_fan_in_uniform', n, op.fanIn, u, this.P + at * F);
        this.e.free(u);
      }
  }

  /** Activation buffers for batches of up to n rows (grown, never shrunk). */
  workspace(n: number) {
    if (n <= this.cap && this.buf) return this.buf;
    this.release();
    const { e, latent: k } = this;
    const { ops } = this.layout;
    const work = Math.max(0, ...ops.map((op) => (op.kind === 'dense' ? 0 : e.call(op.kind === 'conv' ? 'conv2d_workspace' : 'conv_transpose2d_workspace', n, ...geometry(op)))));
    this.buf = {
      x: e.alloc(n * this.inputSize * F), eps: e.alloc(n * k * F), z: e.alloc(n * k * F), dz: e.alloc(n * k * F),
      loss: e.alloc(n * 8), kl: e.alloc(n * 8), work: e.alloc(work),
      a: ops.map((op) => e.alloc(n * opSize(op) * F)), d: ops.map((op) => e.alloc(n * opSize(op) * F)),
    };
    this.cap = n;
    return this.buf;
  }

  /** Frees the activation buffers (the parameters stay). */
  release(): void {
    if (!this.buf) return;
    const { a, d, ...rest } = this.buf;
    for (const p of [...a, ...d, ...Object.values(rest)]) this.e.free(p);
    this.buf = undefined;
    this.cap = 0;
  }

  /**
   * Copies rows `rows[0..n)` of a row-major source (inputSize wide, each image HWC like every gaussface image)
   * into the batch buffer, channels-first as the convolutions want them.
   */
  putRows(src: Float32Array, rows: ArrayLike<number>, n: number): void {
    const D = this.inputSize;
    const C = this.config.input.channels;
    const x = this.e.f32(this.workspace(n).x, n * D);
    for (let r = 0; r < n; r++) {
      const from = src.subarray(rows[r] * D, rows[r] * D + D);
      if (C === 1) x.set(from, r * D);
      else for (let c = 0, o = r * D; c < C; c++) for (let i = c; i < D; i += C) x[o++] = from[i];
    }
  }

  /** Images n from the buffer `out` (channels-first) into `dst` at `at`, HWC. */
  takeImages(out: number, n: number, dst: Float32Array, at: number): void {
    const D = this.inputSize;
    const C = this.config.input.channels;
    const y = this.e.f32(out, n * D);
    if (C === 1) return void dst.set(y, at);
    for (let r = 0; r < n; r++) for (let c = 0, o = r * D; c < C; c++) for (let i = c; i < D; i += C) dst[at + r * D + i] = y[o++];
  }

  private run(op: Op, n: number, x: number, y: number): void {
    const { e, P } = this;
    if (op.kind === 'dense') e.call('dense_forward', n, op.from[0], op.to[0], x, P + op.w * F, P + op.b * F, y);
    else e.call(op.kind === 'conv' ? 'conv2d_forward' : 'conv_transpose2d_forward', n, ...geometry(op), x, P + op.w * F, P + op.b * F, y, this.buf!.work);
    if (op.relu) e.call('relu_forward', n * opSize(op), y, y);
  }

  /** Encoder on the batch buffer: returns the head output [μ | log σ²] (n × 2·latent). */
  encode(n: number): number {
    const b = this.workspace(n);
    const { ops, head } = this.layout;
    for (let i = 0; i <= head; i++) this.run(ops[i], n, i === 0 ? b.x : b.a[i - 1], b.a[i]);
    return b.a[head];
  }

  /** Decoder from the z buffer: returns the last layer's output (logits, or means for a Gaussian likelihood). */
  decode(n: number): number {
    const b = this.workspace(n);
    const { ops, head } = this.layout;
    for (let i = head + 1; i < ops.length; i++) this.run(ops[i], n, i === head + 1 ? b.z : b.a[i - 1], b.a[i]);
    return b.a[ops.length - 1];
  }

  /** Pointer to the z buffer (n × latent), to decode given codes. */
  zBuffer(n: number): number {
    return this.workspace(n).z;
  }

  /** The decoder's output turned into pixels in place: sigmoid of the logits, or the Gaussian means as they are. */
  toPixels(out: number, n: number): void {
    if (this.config.likelihood !== 'gaussian') this.e.call('sigmoid_forward', n * this.inputSize, out, out);
  }

  /**
   * Forward pass with ε = draws [offset, offset + n·latent) of `stream`: per-row −log p(x|z) in the loss buffer
   * and KL(q(z|x) ‖ N(0, I)) in the kl buffer.
   */
  forward(n: number, stream: number, offset: number): { head: number; out: number } {
    const { e, latent: k } = this;
    const b = this.workspace(n);
    const head = this.encode(n);
    e.call('rng_normal', this.seed % 2 ** 32, Math.floor(this.seed / 2 ** 32), stream, offset, n * k, b.eps);
    e.call('reparam_forward', n, k, head, head + k * F, 2 * k, b.eps, b.z);
    const out = this.decode(n);
    if (this.config.likelihood === 'gaussian') e.call('gaussian_nll_forward', n, this.inputSize, out, b.x, this.config.variance ?? 1, b.loss);
    else e.call('bce_logits_forward', n, this.inputSize, out, b.x, b.loss);
    e.call('kl_normal_forward', n, k, head, head + k * F, 2 * k, b.kl);
    return { head, out };
  }

  /** Σ over the batch's rows of reconstruction + β·KL (nats). */
  lossSum(n: number, beta: number): number {
    const b = this.workspace(n);
    const [rec, kl] = [this.e.f64(b.loss, n), this.e.f64(b.kl, n)];
    let s = 0;
    for (let i = 0; i < n; i++) s += rec[i] + beta * kl[i];
    return s;
  }

  /** Per-row reconstruction terms −log p(x|z) of the last forward pass (a view, valid until the next call). */
  rowLosses(n: number): Float64Array {
    return this.e.f64(this.workspace(n).loss, n);
  }

  /** The ε and z of the last forward pass (views). */
  draws(n: number): { eps: Float32Array; z: Float32Array } {
    const b = this.workspace(n);
    return { eps: this.e.f32(b.eps, n * this.latent), z: this.e.f32(b.z, n * this.latent) };
  }

  /** G = gradient of scale·Σ_rows (reconstruction + β·KL) after forward(n): scale = 1/batch gives the mean. */
  backward(n: number, fwd: { head: number; out: number }, scale: number, beta: number): void {
    const { e, latent: k, P, G } = this;
    const b = this.workspace(n);
    const { ops, head } = this.layout;
    const last = ops.length - 1;
    e.call('nn_zero', this.nParams, G);
    if (this.config.likelihood === 'gaussian') e.call('gaussian_nll_backward', n * this.inputSize, fwd.out, b.x, this.config.variance ?? 1, scale, b.d[last]);
    else e.call('bce_logits_backward', n * this.inputSize, fwd.out, b.x, scale, b.d[last]);
    for (let i = last; i >= 0; i--) {
      const op = ops[i];
      const input = i === 0 ? b.x : i === head + 1 ? b.z : b.a[i - 1];
      const dInput = i === 0 ? 0 : i === head + 1 ? b.dz : b.d[i - 1];
      if (op.kind === 'dense') e.call('dense_backward', n, op.from[0], op.to[0], input, P + op.w * F, b.d[i], dInput, G + op.w * F, G + op.b * F);
      else e.call(op.kind === 'conv' ? 'conv2d_backward' : 'conv_transpose2d_backward', n, ...geometry(op), input, P + op.w * F, b.d[i], dInput, G + op.w * F, G + op.b * F, b.work);
      if (i === head + 1) {
        // Through the sampling: the KL gradient first (it overwrites), then the reparameterisation's (it adds).
        const dh = b.d[head];
        e.call('kl_normal_backward', n, k, fwd.head, fwd.head + k * F, 2 * k, beta * scale, dh, dh + k * F);
        e.call('reparam_backward', n, k, fwd.head + k * F, 2 * k, b.eps, b.dz, dh, dh + k * F);
      } else if (i > 0 && ops[i - 1].relu) {
        e.call('relu_backward', n * opSize(ops[i - 1]), b.a[i - 1], b.d[i - 1], b.d[i - 1]);
      }
    }
  }
}

/** (cin, h, w, cout, k, stride, pad) of a convolution op, as the conv kernels take them. */
function geometry(op: Op): [number, number, number, number, number, number, number] {
  return [op.from[0], op.from[1], op.from[2], op.to[0], op.kernel, op.stride, op.padding];
}
