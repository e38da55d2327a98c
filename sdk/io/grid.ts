// Contact sheets: many same-sized images (rows of a Matrix, or Float32Arrays, HWC in [0, 1]) tiled into one PNG,
// optionally scaled up and captioned.
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';
import { browserCodec } from './browser.js';
import type { Caption, ImageCodec } from './codec.js';

export interface GridOptions {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Images per row (default: a near-square grid). */
  cols?: number;
  /** Gap between images and around the sheet, in output pixels (default 2). */
  pad?: number;
  /** Integer upscaling of every image, nearest neighbour (default 1). */
  scale?: number;
  /** One short text under each image (a score, a file name). */
  captions?: string[];
  /** Gray level of the gaps in [0, 1] (default 1, white). */
  background?: number;
  /** The codec that writes the PNG (default browserCodec; gaussface/node's imageGrid uses nodeCodec). */
  codec?: ImageCodec;
}

const CAPTION_BAND = 14;

/**
 * The most pixels one sheet may have (2^25, e.g. 5,800 × 5,800): the sheet is built in memory as float32 before
 * PNG encoding, so a sheet of 100,000 images would need gigabytes. Many images belong in separate files.
 */
export const MAX_GRID_PIXELS = 2 ** 25;

/** The size of the sheet imageGrid would make for `count` images (cols, rows and pixels), without making it. */
export function gridLayout(count: number, opts: Pick<GridOptions, 'width' | 'height' | 'cols' | 'pad' | 'scale' | 'captions'>): { cols: number; rows: number; width: number; height: number } {
  const { width, height, pad = 2, scale = 1, captions } = opts;
  const cols = Math.min(count, opts.cols ?? Math.ceil(Math.sqrt(count)));
  const rows = Math.ceil(count / cols);
  return { cols, rows, width: pad + cols * (width * scale + pad), height: pad + rows * (height * scale + (captions ? CAPTION_BAND : 0) + pad) };
}

/**
 * Tiles images into one PNG.
 *
 * ```js
 * import { syntheticFaces } from 'gaussface';
 * import { imageGrid } from 'gaussface/node'; // in browsers: from 'gaussface'
 * const { X } = syntheticFaces({ n: 16 });
 * const png = await imageGrid(X, { width: 64, height: 64, channels: 1, cols: 4, scale: 2 });
 * ```
 */
export async function imageGrid(images: Float32Array[] | Matrix, opts: GridOptions): Promise<Uint8Array> {
  const { width, height, channels, pad = 2, scale = 1, captions, background = 1, codec = browserCodec } = opts;
  const list = images instanceof Matrix ? Array.from({ length: images.rows }, (_, i) => images.row(i)) : images;
  if (!Array.isArray(list) || !list.length) throw new GaussfaceError('imageGrid: images must be a non-empty Matrix or array of Float32Arrays', 'EINPUT');
  const D = width * height * channels;
  list.forEach((img, i) => {
    if (img?.length !== D) throw new GaussfaceError(`imageGrid: image ${i} has ${img?.length} values, a ${width}×${height}×${channels} image has ${D}`, 'ESHAPE');
  });
  if (!Number.isInteger(scale) || scale < 1) throw new GaussfaceError(`imageGrid: scale must be an integer ≥ 1, got ${scale}`, 'EINPUT');
  if (!Number.isInteger(pad) || pad < 0) throw new GaussfaceError(`imageGrid: pad must be an integer ≥ 0, got ${pad}`, 'EINPUT');
  const { cols, width: W, height: H } = gridLayout(list.length, opts);
  if (!Number.isInteger(cols) || cols < 1) throw new GaussfaceError(`imageGrid: cols must be an integer ≥ 1, got ${opts.cols}`, 'EINPUT');
  if (W * H > MAX_GRID_PIXELS)
    throw new GaussfaceError(`imageGrid: ${list.length} images of ${width}×${height} at scale ${scale} make a ${W}×${H} sheet, more than the ${MAX_GRID_PIXELS.toLocaleString('en')} pixels one sheet may have; use fewer images per sheet (several sheets) or a smaller scale`, 'EINPUT');
  const [cw, ch] = [width * scale, height * scale];
  const band = captions ? CAPTION_BAND : 0;
  const out = new Float32Array(W * H * channels).fill(background);
  list.forEach((img, n) => {
    const [x0, y0] = [pad + (n % cols) * (cw + pad), pad + Math.floor(n / cols) * (ch + band + pad)];
    for (let y = 0; y < ch; y++)
      for (let x = 0; x < cw; x++) {
        const src = (Math.floor(y / scale) * width + Math.floor(x / scale)) * channels;
        const dst = ((y0 + y) * W + x0 + x) * channels;
        for (let c = 0; c < channels; c++) out[dst + c] = img[src + c];
      }
  });
  const text: Caption[] = (captions ?? []).slice(0, list.length).map((t, n) => ({
    text: String(t),
    x: pad + (n % cols) * (cw + pad) + cw / 2,
    y: pad + Math.floor(n / cols) * (ch + band + pad) + ch + band - 3,
    size: 11,
  }));
  return codec.encodePng({ data: out, width: W, height: H, channels }, { captions: text });
}
