// Images in and out, one interface in every runtime. A runtime only supplies the raw parts (decode a file to
// 8-bit pixels at its own size, encode pixels as PNG): sharp in Node (gaussface/node), createImageBitmap and
// OffscreenCanvas in browsers. Gray conversion, cropping and resizing happen here, in plain JS, so a file
// becomes the same row everywhere.
import { GaussfaceError } from '../errors.js';
import { crop, fitTo, luma, toBytes, toFloats, type Fit, type Pixels } from './pixels.js';

export type { Fit, Pixels } from './pixels.js';

export interface DecodeOptions {
  /** Target width and height in pixels (both, or neither: the image's own size). */
  width?: number;
  height?: number;
  /** Shorthand for a square width = height = size. */
  size?: number;
  /** 1 (luma, default) or 3 (RGB). */
  channels?: 1 | 3;
  /** How the image meets the target size (default 'cover': centre crop). */
  fit?: Fit;
  /** Keep only this fraction (0 < crop ≤ 1) of the width and height around the centre before fitting (0.6 keeps the face of a 250×250 LFW frame). */
  crop?: number;
}

/** A decoded image: HWC pixels in [0, 1]. */
export interface DecodedImage {
  data: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** A text label drawn on an encoded image: centred on x, baseline at y, in pixels. */
export interface Caption {
  text: string;
  x: number;
  y: number;
  size: number;
}

export interface ImageCodec {
  /** Decodes an image file (PNG, JPEG, …) into a row of floats in [0, 1], resized as asked. */
  decode(bytes: Uint8Array, opts?: DecodeOptions): Promise<DecodedImage>;
  /** Encodes pixels in [0, 1] (clamped) as a PNG file, with optional text drawn on top. */
  encodePng(img: DecodedImage, opts?: { captions?: Caption[] }): Promise<Uint8Array>;
}

/** What a runtime provides to make a codec. */
export interface ImageBackend {
  /** 8-bit pixels at the file's own size, 1 (gray files) or 3 (RGB) channels, alpha dropped. */
  decodeRaw(bytes: Uint8Array): Promise<Pixels>;
  encodePng(px: Pixels, captions: Caption[]): Promise<Uint8Array>;
}

const MAX_SIDE = 16384;

function targetSize(opts: DecodeOptions): [number, number] | undefined {
  const { width, height, size } = opts;
  if (width === undefined && height === undefined && size === undefined) return undefined;
  const [w, h] = size !== undefined && width === undefined && height === undefined ? [size, size] : [width, height];
  for (const [name, v] of [['width', w], ['height', h]] as const)
    if (!Number.isInteger(v) || v! < 1 || v! > MAX_SIDE) throw new GaussfaceError(`decode: ${name} must be an integer from 1 to ${MAX_SIDE}, got ${v} (give width and height, or size)`, 'EINPUT');
  return [w!, h!];
}

function toRgb(px: Pixels): Pixels {
  if (px.channels === 3) return px;
  const out = new Uint8Array(px.data.length * 3);
  for (let p = 0; p < px.data.length; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = px.data[p];
  return { data: out, width: px.width, height: px.height, channels: 3 };
}

/** The codec built on a runtime's raw decode/encode. */
export function makeCodec(backend: ImageBackend): ImageCodec {
  return {
    async decode(bytes, opts = {}) {
      const { channels = 1, fit = 'cover' } = opts;
      if (channels !== 1 && channels !== 3) throw new GaussfaceError(`decode: channels must be 1 or 3, got ${channels}`, 'EINPUT');
      if (!['cover', 'contain', 'fill'].includes(fit)) throw new GaussfaceError(`decode: fit must be 'cover', 'contain' or 'fill', got '${fit}'`, 'EINPUT');
      const { crop: f = 1 } = opts;
      if (!(f > 0 && f <= 1)) throw new GaussfaceError(`decode: crop must be a fraction in (0, 1], got ${f}`, 'EINPUT');
      const target = targetSize(opts);
      let px = await backend.decodeRaw(bytes);
      if (f !== 1) {
        const [w, h] = [Math.max(1, Math.round(px.width * f)), Math.max(1, Math.round(px.height * f))];
        px = crop(px, Math.floor((px.width - w) / 2), Math.floor((px.height - h) / 2), w, h);
      }
      // Gray before resizing, as Pillow's convert('L').resize(…) does.
      px = channels === 1 ? luma(px) : toRgb(px);
      if (target) px = fitTo(px, target[0], target[1], fit);
      return { data: toFloats(px.data), width: px.width, height: px.height, channels };
    },
    async encodePng(img, opts = {}) {
      const { data, width, height, channels } = img;
      if (channels !== 1 && channels !== 3) throw new GaussfaceError(`encodePng: channels must be 1 or 3, got ${channels}`, 'EINPUT');
      if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data?.length !== width * height * channels)
        throw new GaussfaceError(`encodePng: ${width}×${height}×${channels} pixels need ${width * height * channels} values, got ${data?.length}`, 'ESHAPE');
      return backend.encodePng({ data: toBytes(data), width, height, channels }, opts.captions ?? []);
    },
  };
}
