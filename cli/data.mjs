// Turning `--data` into image rows: the built-in synthetic faces, or a folder of images (gaussface/node's
// loadImageFolder). Input problems are one-line user errors.
import { GaussfaceError, syntheticFaces } from '../dist/index.js';
import { loadImageFolder } from '../dist/node.js';
import { UsageError } from './common.mjs';

/** Images as rows in [0, 1]: { X, spec, files, labels, labelNames }. */
export async function loadData(spec, { size, channels = 1, limit, seed = 0, onProgress, signal } = {}) {
  if (spec === 'synthetic' || spec.startsWith('synthetic:')) {
    const n = spec.includes(':') ? Number(spec.split(':')[1]) : 600;
    if (!Number.isInteger(n) || n < 2) throw new UsageError(`--data synthetic:N needs an integer N ≥ 2, got '${spec}'`);
    const s = size ?? 64;
    const f = syntheticFaces({ n: limit ? Math.min(n, limit) : n, size: s, channels, seed });
    return { X: f.X, spec: { width: s, height: s, channels }, files: [], attributes: f.attributes };
  }
  try {
    return await loadImageFolder(spec, { size, channels, limit, onProgress, signal });
  } catch (e) {
    if (e instanceof GaussfaceError && e.code === 'EINPUT') throw new UsageError(`--data ${e.message.replace(/^[^:]*: no such folder$/, `${spec}: no such folder (give a folder of images, or 'synthetic' for the built-in faces)`)}`);
    throw e;
  }
}
