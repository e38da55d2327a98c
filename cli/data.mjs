// @ts-check
// Turning `--data` into image rows: the built-in synthetic faces, or a folder of images (gaussface/node's
// loadImageFolder). Input problems are one-line user errors.
import { GaussfaceError, isHeldOut, Matrix, syntheticFaces } from 'gaussface';
import { DATASETS, fetchDataset, loadImageFolder, openImageFolder } from 'gaussface/node';
import { UsageError } from './common.mjs';

/**
 * The rows i of an in-memory set that `rows(i)` keeps (with their labels and files).
 * @template {{ X: Matrix<Float32Array>, labels?: Int32Array, files?: string[] }} D
 * @param {D} d @param {((i: number) => boolean) | undefined} rows
 * @returns {D}
 */
function keepRows(d, rows) {
  if (!rows) return d;
  const keep = Array.from({ length: d.X.rows }, (_, i) => i).filter(rows);
  const X = new Float32Array(keep.length * d.X.cols);
  keep.forEach((src, k) => X.set(d.X.row(src), k * d.X.cols));
  const labels = d.labels;
  return { ...d, X: new Matrix(keep.length, d.X.cols, X), labels: labels && Int32Array.from(keep, (i) => labels[i]), files: d.files?.length ? keep.map((i) => /** @type {string[]} */ (d.files)[i]) : d.files };
}

/**
 * Images as rows in [0, 1]: { X, spec, files, labels, labelNames }. `rows(i)` keeps only the images it passes (by
 * index in the set's order): a folder then decodes only those, straight into X.
 * @param {string} spec
 * @param {{ size?: number, crop?: number, channels?: 1 | 3, limit?: number, seed?: number, rows?: (i: number) => boolean, onProgress?: (done: number, total: number, detail?: string) => void, signal?: AbortSignal }} [opts]
 * @returns {Promise<import('gaussface/node').ImageFolder>}
 */
export async function loadData(spec, { size, crop, channels = 1, limit, seed = 0, rows, onProgress, signal } = {}) {
  if (spec === 'synthetic' || spec.startsWith('synthetic:')) {
    const n = spec.includes(':') ? Number(spec.split(':')[1]) : 600;
    if (!Number.isInteger(n) || n < 2) throw new UsageError(`--data synthetic:N needs an integer N ≥ 2, got '${spec}'`);
    const s = size ?? 64;
    const f = syntheticFaces({ n: limit ? Math.min(n, limit) : n, size: s, channels, seed });
    return keepRows({ X: f.X, spec: { width: s, height: s, channels }, files: [], attributes: /** @type {{ names: string[], values: Matrix<Float32Array> }} */ (f.attributes) }, rows);
  }
  if (spec in DATASETS) {
    // Downloaded once into the cache (GAUSSFACE_CACHE, default ~/.cache/gaussface); GAUSSFACE_MIRROR replaces the hosts.
    const d = await fetchDataset(/** @type {import('gaussface/node').DatasetName} */ (spec), {
      cacheDir: process.env.GAUSSFACE_CACHE, baseUrl: process.env.GAUSSFACE_MIRROR, signal,
      onProgress: (file, got, total) => onProgress?.(Math.round(got / 1e6), Math.round(total / 1e6), `${file} MB`),
    });
    if (limit && d.X.rows > limit) return keepRows({ ...d, X: new Matrix(limit, d.X.cols, d.X.data.slice(0, limit * d.X.cols)), labels: d.labels?.slice(0, limit) }, rows);
    return keepRows(d, rows);
  }
  return folderErrors(spec, () => loadImageFolder(spec, { size, crop, channels, limit, rows, onProgress, signal }));
}

/**
 * A folder's input problems as user errors naming --data.
 * @template T @param {string} spec @param {() => Promise<T>} open @returns {Promise<T>}
 */
async function folderErrors(spec, open) {
  try {
    return await open();
  } catch (e) {
    if (e instanceof GaussfaceError && e.code === 'EINPUT') throw new UsageError(`--data ${e.message.replace(/^[^:]*: no such folder$/, `${spec}: no such folder (give a folder of images, 'synthetic' for the built-in faces, or one of ${Object.keys(DATASETS).join(', ')})`)}`);
    throw e;
  }
}

/**
 * Like loadData, for a fit that only needs the rows once, in the pool: a folder is opened, not decoded — its
 * images are decoded chunk by chunk as the pool uploads them (generate() takes the source), so this thread never
 * holds them all. Built-in and downloaded sets are in memory anyway. `onProgress` then runs during the upload.
 * @param {string} spec @param {Parameters<typeof loadData>[1]} [opts]
 * @returns {Promise<{ images: Matrix<Float32Array> | import('gaussface/node').ImageFolderSource, rows: number, spec: import('gaussface/node').ImageFolder['spec'] }>}
 */
export async function openData(spec, opts = {}) {
  if (spec === 'synthetic' || spec.startsWith('synthetic:') || spec in DATASETS) {
    const d = await loadData(spec, opts);
    return { images: d.X, rows: d.X.rows, spec: d.spec };
  }
  const { size, crop, channels = 1, limit, rows, onProgress, signal } = opts;
  const folder = await folderErrors(spec, () => openImageFolder(spec, { size, crop, channels, limit, rows, onProgress, signal }));
  // Errors met while decoding (a corrupt file, mixed sizes) surface inside the fit: name --data there too.
  return { images: { ...folder, read: (a, b) => folderErrors(spec, () => folder.read(a, b)) }, rows: folder.rows, spec: folder.spec };
}

/**
 * The --holdout split of a set, each part decoded into its own matrix (no full set kept, no copies): { train,
 * held, spec }. Without a size, both parts must have the images' one size.
 * @param {string} spec @param {Parameters<typeof loadData>[1]} [opts]
 */
export async function loadSplit(spec, opts = {}) {
  const train = await loadData(spec, { ...opts, rows: (i) => !isHeldOut(i) });
  const held = await loadData(spec, { ...opts, rows: isHeldOut });
  const [a, b] = [train.spec, held.spec];
  if (a.width !== b.width || a.height !== b.height)
    throw new UsageError(`images have different sizes (${a.width}×${a.height} and ${b.width}×${b.height}); pass --size N to resize them all`);
  return { train: train.X, held: held.X, spec: a };
}
