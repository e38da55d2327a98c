// VAE architectures: a small config (input shape, encoder layers, latent size) from which the whole network is
// derived — the μ | log σ² head and a decoder that mirrors the encoder — plus the named presets of the reference
// projects. Pure shape arithmetic: no engine, so configs are checked before anything is allocated.
import { GaussfaceError } from '../errors.js';

/** One encoder layer; each is followed by ReLU. The decoder mirrors it (dense ↔ dense, conv ↔ transposed conv). */
export type LayerSpec =
  | { dense: number }
  | { conv: number; kernel?: number; stride?: number; padding?: number };

/**
 * A VAE architecture.
 *
 * ```js
 * // 64×64 RGB faces: two convolutions (k4 s2 p1 halve the size), a dense layer, 64 latent dimensions
 * const config = { input: { channels: 3, height: 64, width: 64 }, encoder: [{ conv: 32 }, { conv: 64 }, { dense: 256 }], latent: 64 };
 * ```
 */
export interface VaeConfig {
  /** The images' shape. Images come and go as gaussface stores them (HWC rows); the network sees them channels-first. */
  input: { channels: number; height: number; width: number };
  /** Encoder layers, input side first. Convolutions default to kernel 4, stride 2, padding 1. */
  encoder: LayerSpec[];
  /** Latent dimension. */
  latent: number;
  /**
   * Pixel likelihood: 'bernoulli' (BCE on logits; pixels in [0, 1]) or 'gaussian' (fixed variance
   * `variance`, default 1: a scaled squared error). Default 'bernoulli'.
   */
  likelihood?: 'bernoulli' | 'gaussian';
  /** Variance of the Gaussian likelihood (default 1). */
  variance?: number;
}

/** The named architectures: 'mlp' (W5: 512-256, z 32), 'conv64' (W6: conv 32-64-128-256, z 128), 'conv128'. */
export type VaePreset = 'mlp' | 'conv64' | 'conv128';
export const VAE_PRESETS: readonly VaePreset[] = ['mlp', 'conv64', 'conv128'];

/** A preset for images of the given shape (conv64 needs 64×64, conv128 needs 128×128). */
export function presetConfig(preset: VaePreset, input: VaeConfig['input']): VaeConfig {
  const conv = (filters: number[]) => filters.map((f) => ({ conv: f }));
  const need = (size: number) => {
    if (input.height !== size || input.width !== size)
      throw new GaussfaceError(`the ${preset} preset is for ${size}×${size} images, got ${input.width}×${input.height}; resize them (e.g. --size ${size})`, 'ESHAPE');
  };
  if (preset === 'mlp') return { input, encoder: [{ dense: 512 }, { dense: 256 }], latent: 32 };
  if (preset === 'conv64') {
    need(64);
    return { input, encoder: conv([32, 64, 128, 256]), latent: 128 };
  }
  if (preset === 'conv128') {
    need(128);
    return { input, encoder: conv([32, 64, 128, 256, 256]), latent: 128 };
  }
  throw new GaussfaceError(`unknown VAE preset "${preset}" (presets: ${VAE_PRESETS.join(', ')})`, 'EINPUT');
}

export type Shape = readonly [channels: number, height: number, width: number];

/** One layer of the built network, with its place in the flat parameter vector (in f32 elements). */
export interface Op {
  kind: 'dense' | 'conv' | 'convT';
  /** Input and output shapes (dense layers use [n, 1, 1]). */
  from: Shape;
  to: Shape;
  kernel: number;
  stride: number;
  padding: number;
  /** ReLU after the layer. */
  relu: boolean;
  /** Offsets of the weight and bias in the parameter vector, and the weight's element count. */
  w: number;
  b: number;
  nW: number;
  /** PyTorch's fan-in for the default initialisation. */
  fanIn: number;
}

export interface Network {
  ops: Op[];
  /** Index of the head (the dense layer to 2·latent values: μ | log σ²); ops before it are the encoder. */
  head: number;
  nParams: number;
  inputSize: number;
}

const size = (s: Shape) => s[0] * s[1] * s[2];
const positiveInt = (v: unknown, what: string) => {
  if (!Number.isInteger(v) || (v as number) < 1) throw new GaussfaceError(`VAE config: ${what} must be an integer ≥ 1, got ${JSON.stringify(v)}`, 'EINPUT');
  return v as number;
};

/** Checks a config and derives the layers: encoder, head, decoder (dense to the encoder's output, then the mirror). */
export function buildNetwork(config: VaeConfig): Network {
  const { input, encoder, latent } = config ?? ({} as VaeConfig);
  const inShape: Shape = [positiveInt(input?.channels, 'input.channels'), positiveInt(input?.height, 'input.height'), positiveInt(input?.width, 'input.width')];
  positiveInt(latent, 'latent');
  if (!Array.isArray(encoder)) throw new GaussfaceError('VAE config: encoder must be an array of layers like { conv: 32 } or { dense: 512 }', 'EINPUT');
  if (config.likelihood !== undefined && config.likelihood !== 'bernoulli' && config.likelihood !== 'gaussian')
    throw new GaussfaceError(`VAE config: likelihood must be 'bernoulli' or 'gaussian', got ${JSON.stringify(config.likelihood)}`, 'EINPUT');
  if (config.variance !== undefined && !(config.variance > 0)) throw new GaussfaceError(`VAE config: variance must be > 0, got ${config.variance}`, 'EINPUT');
  type Draft = Omit<Op, 'w' | 'b' | 'nW' | 'fanIn'>;
  const enc: Draft[] = [];
  let shape = inShape;
  let flat = false;
  encoder.forEach((spec, i) => {
    if (spec && 'dense' in spec) {
      const to: Shape = [positiveInt(spec.dense, `encoder[${i}].dense`), 1, 1];
      enc.push({ kind: 'dense', from: [size(shape), 1, 1], to, kernel: 1, stride: 1, padding: 0, relu: true });
      [shape, flat] = [to, true];
    } else if (spec && 'conv' in spec) {
      if (flat) throw new GaussfaceError(`VAE config: encoder[${i}] is a convolution after a dense layer; put the convolutions first`, 'EINPUT');
      const { kernel = 4, stride = 2, padding = 1 } = spec;
      positiveInt(kernel, `encoder[${i}].kernel`);
      positiveInt(stride, `encoder[${i}].stride`);
      if (!Number.isInteger(padding) || padding < 0 || padding >= kernel) throw new GaussfaceError(`VAE config: encoder[${i}].padding must be an integer in [0, kernel), got ${padding}`, 'EINPUT');
      const out = (n: number) => Math.floor((n + 2 * padding - kernel) / stride) + 1;
      const to: Shape = [positiveInt(spec.conv, `encoder[${i}].conv`), out(shape[1]), out(shape[2])];
      // The transposed convolution must give back exactly this layer's input size, or the decoder cannot mirror it.
      const back = (n: number) => (n - 1) * stride - 2 * padding + kernel;
      if (to[1] < 1 || to[2] < 1 || back(to[1]) !== shape[1] || back(to[2]) !== shape[2])
        throw new GaussfaceError(`VAE config: encoder[${i}] (kernel ${kernel}, stride ${stride}, padding ${padding}) does not map ${shape[2]}×${shape[1]} to a size the decoder can invert; use sizes divisible by the strides (e.g. 64 or 128 with k4 s2 p1)`, 'ESHAPE');
      enc.push({ kind: 'conv', from: shape, to, kernel, stride, padding, relu: true });
      shape = to;
    } else {
      throw new GaussfaceError(`VAE config: encoder[${i}] must be { dense: units } or { conv: filters, kernel?, stride?, padding? }, got ${JSON.stringify(spec)}`, 'EINPUT');
    }
  });
  const dense = (from: number, to: number, relu: boolean): Draft => ({ kind: 'dense', from: [from, 1, 1], to: [to, 1, 1], kernel: 1, stride: 1, padding: 0, relu });
  const head = dense(size(shape), 2 * latent, false);
  const dec: Draft[] = [dense(latent, size(shape), true)];
  for (let i = enc.length - 1; i >= 0; i--) {
    const e = enc[i];
    dec.push({ ...e, kind: e.kind === 'conv' ? 'convT' : 'dense', from: e.to, to: e.from, relu: i > 0 });
  }
  let at = 0;
  const ops = [...enc, head, ...dec].map((d): Op => {
    // Weights are out × in·k·k for Linear/Conv2d, in × out·k·k for ConvTranspose2d (PyTorch's layouts).
    const k2 = d.kernel * d.kernel;
    const nW = d.from[0] * d.to[0] * k2;
    const fanIn = (d.kind === 'convT' ? d.to[0] : d.from[0]) * k2;
    const op = { ...d, w: at, b: at + nW, nW, fanIn };
    at += nW + d.to[0];
    at = Math.ceil(at / 4) * 4; // 16-byte aligned layers keep the SIMD kernels on aligned rows
    return op;
  });
  // Shape arithmetic alone can describe a network no engine holds (wasm32 memory is 4 GiB): refuse it here, before
  // anything is allocated, rather than fail with an engine out-of-memory error half-way through building it.
  if (at > MAX_PARAMS) throw new GaussfaceError(`VAE config: the network has ${at.toLocaleString('en')} parameters; the engine holds at most ${MAX_PARAMS.toLocaleString('en')} (weights, gradients and Adam moments in 4 GiB); use fewer or smaller layers`, 'ENOMEM');
  const perImage = ops.reduce((s, op) => s + size(op.to), size(inShape));
  if (perImage > MAX_ACTIVATIONS) throw new GaussfaceError(`VAE config: one image needs ${perImage.toLocaleString('en')} activations; the limit is ${MAX_ACTIVATIONS.toLocaleString('en')}; use smaller images or fewer filters`, 'ENOMEM');
  return { ops, head: enc.length, nParams: at, inputSize: size(inShape) };
}

/** Largest parameter count: P, G, and Adam's M and V are 16 bytes per parameter, 2 GiB at this size. */
export const MAX_PARAMS = 2 ** 27;
/** Largest activation count of one image (values and gradients, f32: 512 MiB at this size). */
export const MAX_ACTIVATIONS = 2 ** 26;

/** Elements of one op's output for one image. */
export const opSize = (op: Op): number => size(op.to);
