// Folders of images as rows of pixels (Node, sharp): recursive, sorted by path, labels from sub-folders, an
// optional resize with centre crop. Every unreadable input is a GaussfaceError naming the file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import sharp from 'sharp';
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';
import type { ImageCodec } from './codec.js';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff']);

export interface FolderOptions {
  /** Resize every image to size × size (centre crop); without it all images must have one size. */
  size?: number;
  /** 1 (grayscale, default) or 3 (RGB). */
  channels?: 1 | 3;
  /** Use at most this many images (in path order). */
  limit?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ImageFolder {
  /** n × height·width·channels pixels in [0, 1] (HWC). */
  X: Matrix<Float32Array>;
  spec: { width: number; height: number; channels: 1 | 3 };
  files: string[];
  /** Index into labelNames of each image, when the images sit in two or more sub-folders. */
  labels?: Int32Array;
  labelNames?: string[];
}

function listImages(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (IMAGE_EXT.has(extname(name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Decodes every image of a folder (recursively) into rows. */
export async function loadImageFolder(dir: string, opts: FolderOptions = {}): Promise<ImageFolder> {
  const { size, channels = 1, limit, onProgress, signal } = opts;
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new GaussfaceError(`${dir}: no such folder`, 'EINPUT');
  }
  if (!st.isDirectory()) throw new GaussfaceError(`${dir}: not a folder`, 'EINPUT');
  let files = listImages(dir);
  if (limit) files = files.slice(0, limit);
  if (!files.length) throw new GaussfaceError(`${dir}: no images found (looked for ${[...IMAGE_EXT].join(' ')})`, 'EINPUT');
  const rows: Float32Array[] = [];
  let shape: { width: number; height: number } | undefined;
  for (let i = 0; i < files.length; i++) {
    if (signal?.aborted) throw new GaussfaceError('operation cancelled (AbortSignal)', 'EABORT');
    const file = files[i];
    let img;
    try {
      img = await nodeCodec.decode(readFileSync(file), { size, channels });
    } catch (e) {
      throw new GaussfaceError(`cannot read image ${file}: ${(e as Error).message.replace(/^cannot decode image: /, '')} (remove or replace the file)`, 'EINPUT');
    }
    const { width, height, data: row } = img;
    if (!shape) shape = { width, height };
    else if (shape.width !== width || shape.height !== height)
      throw new GaussfaceError(`images have different sizes: ${files[0]} is ${shape.width}×${shape.height} but ${file} is ${width}×${height}; pass --size N (size option) to resize them all`, 'EINPUT');
    rows.push(row);
    onProgress?.(i + 1, files.length);
  }
  const D = rows[0].length;
  const X = new Float32Array(rows.length * D);
  rows.forEach((r, i) => X.set(r, i * D));
  const folders = files.map((f) => relative(dir, f).split(/[\\/]/).slice(0, -1).join('/'));
  const labelNames = [...new Set(folders)].sort();
  const labelled = labelNames.length > 1;
  return {
    X: new Matrix(rows.length, D, X),
    spec: { width: shape!.width, height: shape!.height, channels },
    files,
    labels: labelled ? Int32Array.from(folders, (f) => labelNames.indexOf(f)) : undefined,
    labelNames: labelled ? labelNames : undefined,
  };
}

/** The Node codec (sharp), with the browser codec's interface. */
export const nodeCodec: ImageCodec = {
  async decode(bytes, opts = {}) {
    const channels = opts.channels ?? 1;
    let img = sharp(bytes, { failOn: 'error' });
    img = channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
    if (opts.size) img = img.resize(opts.size, opts.size, { fit: 'cover', position: 'centre' });
    let decoded;
    try {
      decoded = await img.raw().toBuffer({ resolveWithObject: true });
    } catch (e) {
      throw new GaussfaceError(`cannot decode image: ${(e as Error).message.split('\n')[0]}`, 'EINPUT');
    }
    const { width, height } = decoded.info;
    const step = decoded.info.channels;
    const data = new Float32Array(width * height * channels);
    for (let p = 0, q = 0; p < width * height; p++) for (let c = 0; c < channels; c++) data[q++] = decoded.data[p * step + c] / 255;
    return { data, width, height, channels };
  },
  async encodePng(img) {
    const px = Uint8Array.from(img.data, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
    return new Uint8Array(await sharp(px, { raw: { width: img.width, height: img.height, channels: img.channels } }).png().toBuffer());
  },
};
