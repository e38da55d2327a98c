// @ts-check
// Turning `--data` into image rows: the built-in synthetic faces, or a folder of images (gaussface/node's
// loadImageFolder). Input problems are one-line user errors.
import { GaussfaceError, Matrix, syntheticFaces } from 'gaussface';
import { DATASETS, fetchDataset, loadImageFolder } from 'gaussface/node';
import { UsageError } from './common.mjs';

/**
 * Images as rows in [0, 1]: { X, spec, files, labels, labelNames }.
 * @param {string} spec
 * @param {{ size?: number, crop?: number, channels?: 1 | 3, limit?: number, seed?: number, onProgress?: (done: number, total: number, detail?: string) => void, signal?: AbortSignal }} [opts]
 * @returns {Promise<import('gaussface/node').ImageFolder>}
 */
export async function loadData(spec, { size, crop, channels = 1, limit, seed = 0, onProgress, signal } = {}) {
  if (spec === 'synthetic' || spec.startsWith('synthetic:')) {
    const n = spec.includes(':') ? Number(spec.split(':')[1]) : 600;
    if (!Number.isInteger(n) || n < 2) throw new UsageError(`--data synthetic:N needs an integer N ≥ 2, got '${spec}'`);
    const s = size ?? 64;
    const f = syntheticFaces({ n: limit ? Math.min(n, limit) : n, size: s, channels, seed });
    return { X: f.X, spec: { width: s, height: s, channels }, files: [], attributes: /** @type {{ names: string[], values: Matrix<Float32Array> }} */ (f.attributes) };
  }
  if (spec in DATASETS) {
    // Downloaded once into the cache (GAUSSFACE_CACHE, default ~/.cache/gaussface); GAUSSFACE_MIRROR replaces the hosts.
    const d = await fetchDataset(/** @type {import('gaussface/node').DatasetName} */ (spec), {
      cacheDir: process.env.GAUSSFACE_CACHE, baseUrl: process.env.GAUSSFACE_MIRROR, signal,
      onProgress: (file, got, total) => onProgress?.(Math.round(got / 1e6), Math.round(total / 1e6), `${file} MB`),
    });
    if (limit && d.X.rows > limit) return { ...d, X: new Matrix(limit, d.X.cols, d.X.data.slice(0, limit * d.X.cols)), labels: d.labels?.slice(0, limit) };
    return d;
  }
  try {
    return await loadImageFolder(spec, { size, crop, channels, limit, onProgress, signal });
  } catch (e) {
    if (e instanceof GaussfaceError && e.code === 'EINPUT') throw new UsageError(`--data ${e.message.replace(/^[^:]*: no such folder$/, `${spec}: no such folder (give a folder of images, 'synthetic' for the built-in faces, or one of ${Object.keys(DATASETS).join(', ')})`)}`);
    throw e;
  }
}
