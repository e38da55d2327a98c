// Misuse of a model object that used to fail silently or with a raw RangeError: two fits of one object at once,
// and sample counts no call can return.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GaussfaceError, GaussianMixture, ImageModel, KMeans, PCA, Pool, VAE, generate, syntheticFaces } from '../dist/index.js';
import { rejects } from './helpers/util.mjs';

const pool = await Pool.create({ workers: 2 });
const { X } = syntheticFaces({ n: 120, size: 8, seed: 3 });

/** Starts fit A and, before it settles, fit B on the same object: B rejects with EBUSY, A still completes. */
async function secondFitRejected(model, fitA, fitB, pattern) {
  const a = fitA();
  const err = await rejects(fitB, pattern);
  assert.instance(err, GaussfaceError);
  assert.is(err.code, 'EBUSY');
  await a;
  return err;
}

test('GaussianMixture: a second fit (or partialFit) while one runs is EBUSY; the first completes and later fits work', async () => {
  const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'diag', randomState: 0, pool });
  await secondFitRejected(gm, () => gm.fit(X), () => gm.fit(X), /GaussianMixture\.fit\(\) was called while fit\(\) is still running on the same object: await the first call/);
  const alone = await new GaussianMixture({ nComponents: 3, covarianceType: 'diag', randomState: 0, pool }).fit(X);
  assert.equal(Array.from(gm.means.data), Array.from(alone.means.data), 'the first fit is untouched by the rejected one');
  await secondFitRejected(gm, () => gm.fit(X), () => gm.partialFit(X), /partialFit\(\) was called while fit\(\) is still running/);
  await gm.fit(X); // the lock is released after a fit, also after a failed one:
  await rejects(() => gm.fit({ data: X.data.subarray(0, 128), shape: [2, 64] }), /2 samples but nComponents is 3/);
  await gm.fit(X);
  await Promise.all([new GaussianMixture({ nComponents: 2, pool }).fit(X), new GaussianMixture({ nComponents: 2, pool }).fit(X)]); // two objects: fine
});

test('PCA, KMeans and VAE: a second fit on the same object while one runs is EBUSY', async () => {
  const pca = new PCA({ nComponents: 5, pool });
  await secondFitRejected(pca, () => pca.fit(X), () => pca.fitTransform(X), /PCA\.fit\(\) was called while fit\(\)/);
  assert.is(pca.nComponentsFitted, 5);
  const km = new KMeans({ nClusters: 4, randomState: 0, pool });
  await secondFitRejected(km, () => km.fit(X), () => km.fitPredict(X), /KMeans\.fit\(\) was called while fit\(\)/);
  assert.is(km.labels.length, X.rows);
  const vae = await VAE.create({ config: { input: { channels: 1, height: 8, width: 8 }, encoder: [{ dense: 16 }], latent: 2 }, randomState: 0 });
  await secondFitRejected(vae, () => vae.fit(X, { epochs: 1, batchSize: 32, pool }), () => vae.fit(X, { epochs: 1, pool }), /VAE\.fit\(\) was called while fit\(\)/);
  await vae.fit(X, { epochs: 1, batchSize: 32, pool });
});

test('sample(n) beyond what one call returns is EINPUT naming the limit and the batch size, for every sampler', async () => {
  const gm = await new GaussianMixture({ nComponents: 2, covarianceType: 'diag', randomState: 0, pool }).fit(X);
  const limit = /more than the 67108864 values \(2\^26\) one call returns; draw them in batches of at most 1048576 samples/;
  let err = await rejects(() => gm.sample(1e12), limit);
  assert.instance(err, GaussfaceError);
  assert.is(err.code, 'EINPUT');
  await rejects(() => gm.sample(2 ** 32), /n = 4294967296 samples of 64 values/);
  await rejects(() => gm.sample(0), /sample: n must be an integer ≥ 1, got 0/);
  const pca = await new PCA({ nComponents: 4, pool }).fit(X);
  const small = await new GaussianMixture({ nComponents: 2, randomState: 0, pool }).fit(await pca.transform(X));
  const model = new ImageModel({ width: 8, height: 8, channels: 1 }, pca, small);
  err = await rejects(() => model.sample(2 ** 21), /sample: n = 2097152 samples of 64 values .* batches of at most 1048576 samples/);
  assert.is(err.code, 'EINPUT');
  const vae = await VAE.create({ config: { input: { channels: 1, height: 8, width: 8 }, encoder: [{ dense: 16 }], latent: 2 }, randomState: 0 });
  await rejects(() => vae.sample(1e12), limit);
  // generate() checks its nSamples before fitting anything.
  const t0 = performance.now();
  await rejects(() => generate(X, { nSamples: 1e9, pool }), /generate: nSamples = 1000000000 samples of 64 values/);
  assert.ok(performance.now() - t0 < 200, 'refused before the fits');
});

test.after(() => pool.close());
test.run();
