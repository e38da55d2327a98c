// The evaluation's data: LFW 64×64 gray and CelebA 64×64 RGB (central 80 % crop), rows in file order, pixels
// in [0, 1], row i held out iff i % 5 == 4 (the CLI's --holdout). Written once to .bench-cache/quality/<set>.f32
// (raw little-endian float32, rows × cols) so that the scikit-learn script reads exactly the same pixels.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Matrix } from '../../dist/index.js';
import { loadImageFolder } from '../../dist/node.js';

export const CACHE = '.bench-cache/quality';
export const SETS = {
  lfw: { dir: '../shared/datasets/lfw', size: 64, channels: 1 },
  celeba: { dir: '../shared/datasets/celeba', size: 64, channels: 3, crop: 0.8 },
};

/** { X, spec, train, held } for a set, from the cache when it is there. */
export async function loadSet(name) {
  const s = SETS[name];
  const [bin, meta] = [`${CACHE}/${name}.f32`, `${CACHE}/${name}.json`];
  let X;
  if (existsSync(bin) && existsSync(meta)) {
    const { rows, cols } = JSON.parse(readFileSync(meta, 'utf8'));
    const b = readFileSync(bin);
    X = new Matrix(rows, cols, new Float32Array(b.buffer, b.byteOffset, rows * cols).slice());
  } else {
    if (!existsSync(s.dir)) throw new Error(`${s.dir} is absent: the evaluation needs ../shared/datasets next to the repository`);
    X = (await loadImageFolder(s.dir, { size: s.size, channels: s.channels, crop: s.crop })).X;
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(bin, new Uint8Array(X.data.buffer, X.data.byteOffset, X.data.byteLength));
    writeFileSync(meta, JSON.stringify({ rows: X.rows, cols: X.cols, width: s.size, height: s.size, channels: s.channels, crop: s.crop ?? 1, heldOut: 'i % 5 == 4', scale: '[0, 1]' }));
  }
  const pick = (held) => {
    const idx = [];
    for (let i = 0; i < X.rows; i++) if ((i % 5 === 4) === held) idx.push(i);
    return idx;
  };
  const take = (idx) => {
    const out = new Float32Array(idx.length * X.cols);
    idx.forEach((i, k) => out.set(X.row(i), k * X.cols));
    return new Matrix(idx.length, X.cols, out);
  };
  return { X, spec: { width: s.size, height: s.size, channels: s.channels }, train: take(pick(false)), held: take(pick(true)) };
}
