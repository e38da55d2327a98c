// The real data sets in ../shared/datasets (next to the repository), loaded as the anchors preprocess them
// (../shared/anchors/README.md "Face preprocessing"): rows in path order, gray 64×64, value/255, and the
// train / held-out split "row i is held out iff i % 5 == 4". Tests skip, saying so, when a set is absent.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Matrix, loadIdx, idxImages } from '../../dist/index.js';
import { loadImageFolder } from '../../dist/node.js';
import { readFile } from 'node:fs/promises';

export const SHARED = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));

/** True (after printing why) when ../shared/datasets/<name> is absent and the test should return early. */
export function skipShared(name) {
  if (existsSync(SHARED + name)) return false;
  console.log(`  skipped: ${SHARED}${name} is absent (these tests need ../shared/datasets next to the repository)`);
  return true;
}

/** Rows i with i % 5 != 4 (train) and i % 5 == 4 (held out), as matrices, with their indices. */
export function anchorSplit(X) {
  const pick = (held) => Array.from({ length: X.rows }, (_, i) => i).filter((i) => (i % 5 === 4) === held);
  const take = (idx) => {
    const out = new Float32Array(idx.length * X.cols);
    idx.forEach((i, k) => out.set(X.row(i), k * X.cols));
    return new Matrix(idx.length, X.cols, out);
  };
  const [trainIndex, testIndex] = [pick(false), pick(true)];
  return { train: take(trainIndex), test: take(testIndex), trainIndex, testIndex };
}

const FACES = {
  olivetti: {}, // 64×64 gray PNGs, no resize
  lfw: { size: 64 },
  celeba: { size: 64, attributes: 'attributes.txt' }, // 89×109: centre 89×89 square, then 64×64
};

/**
 * A shared data set: olivetti, lfw, celeba (gray 64×64 faces + split), flowers (RGB, class labels; opts.size,
 * default 64), fashion_mnist (first 10k training images as train, the 10k test set as test, /255).
 */
export async function loadShared(name, opts = {}) {
  const dir = SHARED + name;
  if (name === 'fashion_mnist') {
    const idx = async (f) => loadIdx(await readFile(`${dir}/${f}`));
    const [trX, trY, teX, teY] = await Promise.all(['train-first10k-images-idx3-ubyte.gz', 'train-first10k-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map(idx));
    return { train: idxImages(trX), trainLabels: Int32Array.from(trY.data), test: idxImages(teX), testLabels: Int32Array.from(teY.data) };
  }
  if (name === 'flowers') return loadImageFolder(dir, { size: opts.size ?? 64, channels: 3, limit: opts.limit });
  const face = FACES[name];
  if (!face) throw new Error(`loadShared: unknown set ${name}`);
  const d = await loadImageFolder(dir, { ...face, attributes: face.attributes && `${dir}/${face.attributes}`, limit: opts.limit });
  return { ...d, ...anchorSplit(d.X) };
}
