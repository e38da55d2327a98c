// The W5 quality target on the real Fashion-MNIST (skipped, saying so, when ../shared/datasets is absent): the
// MLP VAE trained 10 epochs with the W5 recipe (batch 128, Adam 1e-3, seed 0) on all workers reaches a test
// negative ELBO within 1 % of PyTorch's 242.8 nats for the same recipe (../shared/anchors RESULTS). ~90 s.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { idxImages, shutdown, VAE } from '../dist/index.js';
import { SHARED, skipShared } from './helpers/shared.mjs';

const PYTORCH_W5_TEST_NELBO = 242.8;

test('W5: test negative ELBO after 10 epochs within 1 % of PyTorch', async () => {
  if (skipShared('fashion_mnist')) return;
  const read = (f) => idxImages(gunzipSync(readFileSync(`${SHARED}fashion_mnist/${f}`)));
  const [X, T] = [read('train-images-idx3-ubyte.gz'), read('t10k-images-idx3-ubyte.gz')];
  const vae = await VAE.create({ preset: 'mlp', input: { channels: 1, height: 28, width: 28 }, randomState: 0 });
  await vae.fit(X, { epochs: 10, batchSize: 128, lr: 1e-3 });
  const nelbo = await vae.elbo(T);
  console.log(`  W5 test negative ELBO after 10 epochs: ${nelbo.toFixed(2)} nats (PyTorch ${PYTORCH_W5_TEST_NELBO})`);
  assert.ok(Math.abs(nelbo - PYTORCH_W5_TEST_NELBO) < 0.01 * PYTORCH_W5_TEST_NELBO, `${nelbo} vs ${PYTORCH_W5_TEST_NELBO}`);
  assert.ok(vae.history[9] < vae.history[0]);
});

test.after(() => shutdown());

test.run();
