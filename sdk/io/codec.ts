// Images in and out, one interface in every runtime: sharp in Node (gaussface/node), createImageBitmap and
// OffscreenCanvas in browsers and workers (here).
import { GaussfaceError } from '../errors.js';

export interface DecodeOptions {
  /** Resize to size × size with a centre crop (else the image's own size). */
  size?: number;
  /** 1 (luma) or 3 (RGB). */
  channels?: 1 | 3;
}

/** A decoded image: HWC pixels in [0, 1]. */
export interface DecodedImage {
  data: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface ImageCodec {
  decode(bytes: Uint8Array, opts?: DecodeOptions): Promise<DecodedImage>;
  encodePng(image: DecodedImage): Promise<Uint8Array>;
}

/** RGBA bytes → HWC floats (luma with the ITU-R 601 weights Pillow and sharp use for grayscale). */
export function fromRgba(rgba: ArrayLike<number>, width: number, height: number, channels: 1 | 3): Float32Array {
  const out = new Float32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    if (channels === 1) out[p] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else out.set([r / 255, g / 255, b / 255], 3 * p);
  }
  return out;
}

/** HWC floats → RGBA bytes (gray replicated; alpha opaque). */
export function toRgba(img: DecodedImage): Uint8ClampedArray {
  const { data, width, height, channels } = img;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[4 * p + c] = Math.round(255 * data[p * channels + (channels === 1 ? 0 : c)]);
    out[4 * p + 3] = 255;
  }
  return out;
}

/** The browser codec: createImageBitmap to decode, OffscreenCanvas to resize and to encode PNG. */
export const browserCodec: ImageCodec = {
  async decode(bytes, opts = {}) {
    const g = globalThis as any;
    if (typeof g.createImageBitmap !== 'function' || typeof g.OffscreenCanvas !== 'function')
      throw new GaussfaceError('this runtime has no createImageBitmap/OffscreenCanvas; in Node use nodeCodec from gaussface/node', 'EINPUT');
    let bitmap: ImageBitmap;
    try {
      bitmap = await g.createImageBitmap(new Blob([bytes as BlobPart]));
    } catch (e) {
      throw new GaussfaceError(`cannot decode image: ${(e as Error).message}`, 'EINPUT');
    }
    const channels = opts.channels ?? 1;
    const [w, h] = opts.size ? [opts.size, opts.size] : [bitmap.width, bitmap.height];
    const canvas = new g.OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    // Centre crop to a square, then scale: the same framing as sharp's fit 'cover'.
    const side = Math.min(bitmap.width, bitmap.height);
    const [sx, sy, sw, sh] = opts.size ? [(bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side] : [0, 0, bitmap.width, bitmap.height];
    ctx.drawImage(bitmap, sx, sy, sw, sh, 0, 0, w, h);
    return { data: fromRgba(ctx.getImageData(0, 0, w, h).data, w, h, channels), width: w, height: h, channels };
  },
  async encodePng(img) {
    const g = globalThis as any;
    const canvas = new g.OffscreenCanvas(img.width, img.height);
    canvas.getContext('2d').putImageData(new g.ImageData(toRgba(img), img.width, img.height), 0, 0);
    return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  },
};
