// The widgets' own worker: the work that would otherwise block the page's main thread for more than a frame —
// drawing the procedural faces, decoding pictures, and running a VAE (whose engine lives where it is created).
// Mixture and PCA fits do not come here: they run on the SDK's shared pool.
import { expose } from 'comlink';
import { browserCodec } from '../../sdk/io/browser.js';
import { syntheticFaces } from '../../sdk/datasets/synthetic-faces.js';
import { GaussfaceError } from '../../sdk/errors.js';
import { Matrix } from '../../sdk/matrix.js';
import { VAE } from '../../sdk/vae/vae.js';
import { imageSize } from './image-size.js';

/** Pictures larger than this are refused with a message (decoding one takes 4 bytes a pixel and seconds). */
export const MAX_MEGAPIXELS = 24;

export interface Picture {
  data: Float32Array;
  width: number;
  height: number;
}

let vae: VAE | undefined;
const needVae = () => vae ?? (() => { throw new GaussfaceError('no VAE loaded', 'EINPUT'); })();

const api = {
  /** The built-in cartoon faces (gray): n × size² pixels, and their `smiling` attribute. */
  faces(n: number, size: number, seed: number): { data: Float32Array; rows: number; cols: number } {
    const { X } = syntheticFaces({ n, size, seed });
    return { data: X.data, rows: X.rows, cols: X.cols };
  },

  /**
   * A picture file as gray (or RGB) floats: at most `maxSide` pixels on its longer side (aspect kept) or, with
   * `size`, centre-cropped to size × size. `name` names the file in messages.
   */
  async picture(bytes: Uint8Array, opts: { name: string; maxSide?: number; size?: number; channels?: 1 | 3 }): Promise<Picture> {
    const dims = imageSize(bytes);
    if (dims && dims.width * dims.height > MAX_MEGAPIXELS * 1e6)
      throw new GaussfaceError(`${opts.name} is ${dims.width}×${dims.height} (${((dims.width * dims.height) / 1e6).toFixed(1)} megapixels); pictures up to ${MAX_MEGAPIXELS} megapixels are read — scale it down first`, 'EINPUT');
    let target: { width: number; height: number; fit: 'fill' | 'cover' } | undefined;
    if (opts.size) target = { width: opts.size, height: opts.size, fit: 'cover' };
    else if (dims && opts.maxSide) {
      const s = Math.min(1, opts.maxSide / Math.max(dims.width, dims.height));
      target = { width: Math.max(1, Math.round(dims.width * s)), height: Math.max(1, Math.round(dims.height * s)), fit: 'fill' };
    }
    try {
      const img = await browserCodec.decode(bytes, { channels: opts.channels ?? 1, ...target });
      if (!target && opts.maxSide && Math.max(img.width, img.height) > opts.maxSide)
        throw new GaussfaceError(`${opts.name} is ${img.width}×${img.height}; use a picture at most ${opts.maxSide} pixels on a side`, 'EINPUT');
      return { data: img.data, width: img.width, height: img.height };
    } catch (e) {
      if (e instanceof GaussfaceError && /cannot decode/.test(e.message)) throw new GaussfaceError(`${opts.name} is not an image this browser can read (PNG, JPEG, GIF or WebP)`, 'EINPUT');
      throw e;
    }
  },

  /** Loads a VAE file; its latent size, image shape and the names of the attribute directions it carries. */
  async loadVae(bytes: Uint8Array, name: string): Promise<{ latent: number; input: { channels: number; height: number; width: number }; attributes: string[] }> {
    try {
      vae = await VAE.fromBytes(bytes);
    } catch (e) {
      if (/gaussface-image-gmm/.test((e as Error).message)) throw new GaussfaceError(`${name} is a mixture model (from gaussface fit), not a VAE: show it with <gaussface-faces model="…">`, 'EFORMAT');
      throw new GaussfaceError(`${name}: ${(e as Error).message}`, (e as GaussfaceError).code ?? 'EFORMAT');
    }
    return { latent: vae.latent, input: vae.config.input, attributes: [...vae.attributes.keys()] };
  },

  /** n faces from the VAE's prior. */
  async vaeSample(n: number, temperature: number, seed: number): Promise<Float32Array> {
    return (await needVae().sample(n, { temperature, randomState: seed })).X.data;
  },

  /** `steps` faces on the latent path from a to b (rows of pixels, concatenated). */
  async vaeMorph(a: Float32Array, b: Float32Array, steps: number, spherical: boolean): Promise<Float32Array> {
    return (await needVae().interpolate(a, b, steps, { spherical })).data;
  },

  /** Image x with `strength` × the named attribute direction added to its code. */
  async vaeAttribute(x: Float32Array, name: string, strength: number): Promise<Float32Array> {
    const v = needVae();
    const dir = v.attributes.get(name);
    if (!dir) throw new GaussfaceError(`the model has no attribute '${name}'`, 'EINPUT');
    return (await v.applyAttribute(new Matrix(1, x.length, x), dir, strength)).data;
  },
};

export type ComputeApi = typeof api;
expose(api);
