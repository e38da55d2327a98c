// Turning `--data` into image rows: the built-in synthetic faces, or a folder of images (recursive, labels
// from sub-folders) decoded with sharp. Every unreadable input is a one-line error naming the file.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import sharp from 'sharp';
import { Matrix, syntheticFaces } from '../dist/index.js';
import { UsageError } from './common.mjs';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff']);

function listImages(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (IMAGE_EXT.has(extname(name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Images as rows in [0, 1]. `size` resizes (centre crop) to size×size; without it every image must have the
 * same size. Returns { X, spec, files, labels, labelNames }.
 */
export async function loadData(spec, { size, channels = 1, limit, seed = 0, onProgress, signal } = {}) {
  if (spec === 'synthetic' || spec.startsWith('synthetic:')) {
    const n = spec.includes(':') ? Number(spec.split(':')[1]) : 600;
    if (!Number.isInteger(n) || n < 2) throw new UsageError(`--data synthetic:N needs an integer N ≥ 2, got '${spec}'`);
    const s = size ?? 64;
    const f = syntheticFaces({ n: limit ? Math.min(n, limit) : n, size: s, channels, seed });
    return { X: f.X, spec: { width: s, height: s, channels }, files: [], attributes: f.attributes };
  }
  let st;
  try {
    st = statSync(spec);
  } catch {
    throw new UsageError(`--data ${spec}: no such folder (give a folder of images, or 'synthetic' for the built-in faces)`);
  }
  if (!st.isDirectory()) throw new UsageError(`--data ${spec}: not a folder`);
  let files = listImages(spec);
  if (limit) files = files.slice(0, limit);
  if (!files.length) throw new UsageError(`--data ${spec}: no images found (looked for ${[...IMAGE_EXT].join(' ')})`);
  const rows = [];
  let shape;
  for (let i = 0; i < files.length; i++) {
    if (signal?.aborted) throw Object.assign(new Error('cancelled'), { code: 'EABORT' });
    const file = files[i];
    let img = sharp(file, { failOn: 'error' });
    img = channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
    if (size) img = img.resize(size, size, { fit: 'cover', position: 'centre' });
    let decoded;
    try {
      decoded = await img.raw().toBuffer({ resolveWithObject: true });
    } catch (e) {
      throw new UsageError(`cannot read image ${file}: ${e.message.split('\n')[0]} (remove or replace the file)`);
    }
    const { width, height } = decoded.info;
    if (!shape) shape = { width, height };
    else if (shape.width !== width || shape.height !== height)
      throw new UsageError(`images have different sizes: ${files[0]} is ${shape.width}×${shape.height} but ${file} is ${width}×${height}; pass --size N to resize them all`);
    const px = decoded.data;
    const row = new Float32Array(width * height * channels);
    const step = decoded.info.channels;
    for (let p = 0, q = 0; p < width * height; p++) for (let c = 0; c < channels; c++) row[q++] = px[p * step + c] / 255;
    rows.push(row);
    onProgress?.(i + 1, files.length);
  }
  const D = rows[0].length;
  const X = new Float32Array(rows.length * D);
  rows.forEach((r, i) => X.set(r, i * D));
  const folders = files.map((f) => relative(spec, f).split(/[\\/]/).slice(0, -1).join('/'));
  const labelNames = [...new Set(folders)].sort();
  return {
    X: new Matrix(rows.length, D, X),
    spec: { width: shape.width, height: shape.height, channels },
    files,
    labels: labelNames.length > 1 ? Int32Array.from(folders, (f) => labelNames.indexOf(f)) : undefined,
    labelNames: labelNames.length > 1 ? labelNames : undefined,
  };
}
