// The real image sets in ../shared/datasets (skipped, saying so, when the folder is absent): loading them,
// and the face pipeline on them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { idxImages, parseAttributes, PCA, selectComponents, shutdown, generate, evaluate, ImageModel, readIdx } from '../dist/index.js';
import { loadData } from '../cli/data.mjs';

const ROOT = new URL('../../shared/datasets/', import.meta.url).pathname;
const have = (name) => existsSync(ROOT + name);
const skip = (name) => {
  if (have(name)) return false;
  console.log(`  skipped: ${ROOT}${name} is absent (the real-data tests need ../shared/datasets)`);
  return true;
};
const split = (X) => {
  const pick = (held) => Array.from({ length: X.rows }, (_, i) => i).filter((i) => (i % 5 === 4) === held).map((i) => Array.from(X.row(i)));
  return [pick(false), pick(true)];
};

test('olivetti: 340 faces of 40 people, the anchors\' pixels, and BIC picks scikit-learn\'s k on the W2 sweep', async () => {
  if (skip('olivetti')) return;
  const { X, labels, labelNames } = await loadData(ROOT + 'olivetti');
  assert.is(X.rows, 340);
  assert.is(X.cols, 4096);
  assert.is(labelNames.length, 40);
  assert.is(labels[339], 39);
  const mean = X.data.reduce((a, b) => a + b, 0) / X.data.length;
  assert.ok(Math.abs(mean - 0.518405) < 1e-5, `mean pixel ${mean}`);
  const [train] = split(X);
  const Z = await (await new PCA({ nComponents: 100, svdSolver: 'randomized', randomState: 0 }).fit(train)).transform(train);
  const sel = await selectComponents(Z, { candidates: [1, 2, 4, 8, 16, 32, 64], randomState: 0, onWarning: () => {} });
  assert.is(sel.bestRow.nComponents, 4, 'scikit-learn 1.2.1 picks k = 4 here (anchors W2, BIC 3.684e4)');
});

test('LFW: BIC picks scikit-learn\'s k on the W2 sweep; samples are no closer to the training faces than held-out faces', async () => {
  if (skip('lfw')) return;
  const { X } = await loadData(ROOT + 'lfw', { size: 64 });
  assert.is(X.rows, 6546);
  const [train, held] = split(X);
  const r = await generate(train, { pcaComponents: 100, nComponents: 'bic', candidates: [1, 2, 4, 8, 16], nSamples: 16, randomState: 0 });
  assert.is(r.model.nComponents, 2, 'scikit-learn 1.2.1 picks k = 2 on LFW (anchors W2, BIC 1.167e6)');
  const model = new ImageModel({ width: 64, height: 64, channels: 1 }, r.pca, r.model);
  const ev = await evaluate(model, train, held, { nSamples: 300 });
  assert.ok(Number.isFinite(ev.heldOutLogLikelihoodPerDim));
  assert.ok(ev.medianSampleToTrain >= ev.medianHeldOutToTrain, `samples ${ev.medianSampleToTrain} vs held-out ${ev.medianHeldOutToTrain}`);
});

test('Fashion-MNIST idx files', () => {
  if (skip('fashion_mnist')) return;
  const images = idxImages(gunzipSync(readFileSync(ROOT + 'fashion_mnist/t10k-images-idx3-ubyte.gz')));
  const labels = readIdx(gunzipSync(readFileSync(ROOT + 'fashion_mnist/t10k-labels-idx1-ubyte.gz')));
  assert.is(images.rows, 10000);
  assert.is(images.cols, 784);
  assert.equal(labels.shape, [10000]);
  assert.ok(labels.data.every((l) => l < 10));
});

test('CelebA attributes: Smiling is attribute 32', () => {
  if (skip('celeba')) return;
  const a = parseAttributes(readFileSync(ROOT + 'celeba/attributes.txt', 'utf8'));
  assert.is(a.names.length, 40);
  assert.is(a.names[31], 'Smiling');
  assert.is(a.files.length, a.values.rows);
  assert.ok(existsSync(ROOT + 'celeba/' + a.files[0]));
  const smiling = a.values.data.filter((_, i) => i % 40 === 31).reduce((s, v) => s + v, 0) / a.values.rows;
  assert.ok(smiling > 0.3 && smiling < 0.7, `fraction smiling ${smiling}`);
});

test('flowers: class labels from sub-folders, resized colour images', async () => {
  if (skip('flowers')) return;
  const { X, labelNames, spec } = await loadData(ROOT + 'flowers', { size: 32, channels: 3, limit: 1000 });
  assert.equal(labelNames, ['daisy', 'dandelion', 'rose', 'sunflower', 'tulip']);
  assert.equal(spec, { width: 32, height: 32, channels: 3 });
  assert.is(X.cols, 32 * 32 * 3);
});

test.after(() => shutdown());
test.run();
