// Folders of images as rows of pixels (Node): sorted by path (byte order), decoded a few at a time, labels from
// sub-folders, attributes from a CelebA-style list. Every unreadable input is a GaussfaceError naming the file.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';
import { parseAttributes } from '../datasets/formats.js';
import type { DecodeOptions, Fit } from './codec.js';
import { readRegularFile } from './files.js';
import { nodeCodec } from './sharp.js';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff']);

export interface FolderOptions {
  /** Resize every image to size × size, or [width, height]; without it all images must have one size. */
  size?: number | [number, number];
  /** How images meet `size` (default 'cover': centre crop; 'contain': letterbox; 'fill': stretch). */
  fit?: Fit;
  /** Keep only this fraction of every image's width and height around the centre before resizing. */
  crop?: number;
  /** 1 (grayscale luma, default) or 3 (RGB). */
  channels?: 1 | 3;
  /** Look in sub-folders too (default true). Names starting with '.' are skipped. */
  recursive?: boolean;
  /**
   * 'auto' (default): labels from the sub-folders when the images sit in two or more of them;
   * 'subfolders': always (images at the top get the label '.'); 'none': never.
   */
  labels?: 'auto' | 'subfolders' | 'none';
  /** A CelebA-style attribute list (`list_attr_celeba.txt` format) with a row for every image, by file name. */
  attributes?: string;
  /** Use at most this many images (the first in path order). */
  limit?: number;
  /** Largest image file read, in bytes (default 256 MiB): a larger file is an error naming it. */
  maxFileBytes?: number;
  /**
   * Decode only the images whose index i (in path order, among the first `limit`) passes, e.g. a train/held-out
   * split `(i) => i % 5 !== 4`: their rows are decoded straight into X, the others are never read — no copy of the
   * full set to split afterwards.
   */
  rows?: (index: number) => boolean;
  /** Images decoded at once (default 4). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ImageFolder {
  /** n × height·width·channels pixels in [0, 1] (HWC). */
  X: Matrix<Float32Array>;
  spec: { width: number; height: number; channels: 1 | 3 };
  /** The image files, in row order. */
  files: string[];
  /** Index into labelNames of each image. */
  labels?: Int32Array;
  labelNames?: string[];
  /** Attribute values per image (n × names.length, 1 for the file's `1`, 0 for `-1`). */
  attributes?: { names: string[]; values: Matrix<Float32Array> };
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function listImages(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (d: string) => {
    const real = realpathSync(d);
    if (seen.has(real)) return; // a symbolic link back up the tree
    seen.add(real);
    for (const name of readdirSync(d)) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      // A broken link is listed (by its name): reading it then says what is wrong with it.
      if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
        if (recursive) walk(p);
      } else if (IMAGE_EXT.has(extname(name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out.sort(byBytes);
}

/** Runs `work(i)` for i < n with at most `limit` at once; the first failure stops the rest and is thrown. */
async function parallel(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < n) {
      const i = next++;
      try {
        await work(i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}

function attributeRows(path: string, dir: string, files: string[]): ImageFolder['attributes'] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GaussfaceError(`cannot read the attributes file ${path}: ${(e as Error).message}`, 'EINPUT');
  }
  const table = parseAttributes(text);
  const row = new Map<string, number>();
  table.files.forEach((f, i) => {
    if (row.has(f)) throw new GaussfaceError(`attributes file ${path} lists ${f} twice`, 'EFORMAT');
    row.set(f, i);
  });
  const m = table.names.length;
  const values = new Float32Array(files.length * m);
  files.forEach((file, i) => {
    const rel = relative(dir, file).split(sep).join('/');
    const r = row.get(rel) ?? row.get(rel.split('/').pop()!);
    if (r === undefined) throw new GaussfaceError(`${file} has no row in the attributes file ${path}; add it or remove the image`, 'EINPUT');
    values.set(table.values.row(r), i * m);
  });
  return { names: table.names, values: new Matrix(files.length, m, values) };
}

function labelsOf(dir: string, files: string[], mode: FolderOptions['labels']) {
  if (mode === 'none') return {};
  const folders = files.map((f) => relative(dir, f).split(sep).slice(0, -1).join('/') || '.');
  const labelNames = [...new Set(folders)].sort(byBytes);
  if (mode !== 'subfolders' && labelNames.length < 2) return {};
  const index = new Map(labelNames.map((n, i) => [n, i]));
  return { labels: Int32Array.from(folders, (f) => index.get(f)!), labelNames };
}

/**
 * A folder of images opened for reading in row ranges: what `loadImageFolder` knows before it decodes (the files,
 * the row length from the first image, labels, attributes), and a `read(start, end)` that decodes just those
 * rows. It is a pool `ChunkSource`: `pool.upload(folder)` decodes the images chunk by chunk straight into the
 * workers, so the calling thread never holds the whole set (a restarted worker has its chunks decoded again).
 */
export interface ImageFolderSource extends Omit<ImageFolder, 'X'> {
  readonly rows: number;
  readonly cols: number;
  /** Rows [start, end) as one array, `cols` values per row; every image must have the first one's size. */
  read(start: number, end: number): Promise<Float32Array>;
}

/**
 * Opens a folder of images (see `FolderOptions`): lists and sorts the files, decodes the first to fix the row
 * length, reads labels and attributes; the other images are decoded when `read` asks for them.
 *
 * ```js
 * import { openImageFolder } from 'gaussface/node';
 * import { getPool } from 'gaussface';
 * const folder = await openImageFolder('faces', { size: 64 });
 * const ds = await (await getPool()).upload(folder); // decoded chunk by chunk into the workers
 * ```
 */
export async function openImageFolder(dir: string, opts: FolderOptions = {}): Promise<ImageFolderSource> {
  const { channels = 1, fit, crop, recursive = true, limit, concurrency = 4, maxFileBytes = 256 * 2 ** 20, onProgress, signal } = opts;
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new GaussfaceError(`${dir}: no such folder`, 'EINPUT');
  }
  if (!st.isDirectory()) throw new GaussfaceError(`${dir}: not a folder`, 'EINPUT');
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new GaussfaceError(`loadImageFolder: limit must be an integer ≥ 1, got ${limit}`, 'EINPUT');
  if (!(maxFileBytes > 0)) throw new GaussfaceError(`loadImageFolder: maxFileBytes must be > 0, got ${maxFileBytes}`, 'EINPUT');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new GaussfaceError(`loadImageFolder: concurrency must be an integer ≥ 1, got ${concurrency}`, 'EINPUT');
  const [width, height] = typeof opts.size === 'number' ? [opts.size, opts.size] : opts.size ?? [];
  const decodeOpts: DecodeOptions = { width, height, channels, fit, crop };
  const found = listImages(dir, recursive).slice(0, limit);
  if (!found.length) throw new GaussfaceError(`${dir}: no images found (looked for ${[...IMAGE_EXT].join(' ')}${recursive ? '' : ' at the top level'})`, 'EINPUT');
  const files = opts.rows ? found.filter((_, i) => opts.rows!(i)) : found;
  if (!files.length) throw new GaussfaceError(`${dir}: rows selects none of its ${found.length} images`, 'EINPUT');
  const attributes = opts.attributes === undefined ? undefined : attributeRows(opts.attributes, dir, files);

  const decode = async (i: number) => {
    if (signal?.aborted) throw new GaussfaceError('loading images cancelled (AbortSignal)', 'EABORT');
    const file = files[i];
    const bytes = await readRegularFile(file, maxFileBytes, 'image'); // a FIFO, a device or a huge file: named
    try {
      return await nodeCodec.decode(bytes, decodeOpts);
    } catch (e) {
      if (e instanceof GaussfaceError && (e.message.startsWith('decode:') || e.code === 'EMISSING')) throw e; // a bad option or no sharp, not a bad file
      throw new GaussfaceError(`cannot read image ${file}: ${(e as Error).message.replace(/^cannot decode image: /, '')} (remove or replace the file)`, 'EINPUT');
    }
  };
  // The first image fixes the row length; every other must match it.
  const first = await decode(0);
  const D = first.data.length;
  if (files.length * D > 2 ** 31) throw new GaussfaceError(`${files.length} images of ${first.width}×${first.height}×${channels} are too many values for one matrix; pass size (--size) or limit`, 'ENOMEM');
  // Progress counts images decoded for the first time (a re-read after a worker restart is not progress).
  const seen = new Uint8Array(files.length);
  let done = 0;
  const read = async (start: number, end: number): Promise<Float32Array> => {
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= files.length))
      throw new GaussfaceError(`read(${start}, ${end}): the folder has rows [0, ${files.length})`, 'EINPUT');
    const X = new Float32Array((end - start) * D);
    await parallel(end - start, concurrency, async (k) => {
      const i = start + k;
      const img = i === 0 ? first : await decode(i);
      if (img.width !== first.width || img.height !== first.height)
        throw new GaussfaceError(`images have different sizes: ${files[0]} is ${first.width}×${first.height} but ${files[i]} is ${img.width}×${img.height}; pass --size N (the size option) to resize them all`, 'EINPUT');
      X.set(img.data, k * D);
      if (!seen[i]) {
        seen[i] = 1;
        onProgress?.(++done, files.length);
      }
    });
    return X;
  };
  return {
    rows: files.length,
    cols: D,
    read,
    spec: { width: first.width, height: first.height, channels },
    files,
    ...labelsOf(dir, files, opts.labels),
    ...(attributes ? { attributes } : {}),
  };
}

/**
 * Decodes every image of a folder into rows of a matrix, in path order (byte order, as Python's sorted()).
 * Gray conversion and resizing are Pillow's (luma, antialiased bilinear), so rows equal the Python anchors'.
 *
 * ```js
 * import { loadImageFolder } from 'gaussface/node';
 * const { X, labels, labelNames } = await loadImageFolder('flowers', { size: 64, channels: 3 });
 * ```
 */
export async function loadImageFolder(dir: string, opts: FolderOptions = {}): Promise<ImageFolder> {
  const { read, rows, cols, ...folder } = await openImageFolder(dir, opts);
  return { X: new Matrix(rows, cols, await read(0, rows)), ...folder };
}
