// The VAE: whole-model gradients (dense and convolutional, both likelihoods) against finite differences, training
// that lowers the loss, data-parallel training (reproducible per worker count, close to one replica), early
// stopping, checkpoints that resume to the same bits, cancellation, architectures and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pool, syntheticFaces, VAE } from '../dist/index.js';
import { rejects, rng } from './helpers/util.mjs';

const one = await Pool.create({ workers: 1 });
const two = await Pool.create({ workers: 2 });
const three = await Pool.create({ workers: 3 });
const params = (vae) => Array.from(vae.net.e.f32(vae.net.P, vae.net.nParams));

async function gradientCheck(config, rows) {
  const vae = await VAE.create({ config, randomState: 1 });
  const { net } = vae;
  const r = rng(3);
  const D = net.inputSize;
  const X = Float32Array.from({ length: rows * D }, () => r());
  net.putRows(X, Array.from({ length: rows }, (_, i) => i), rows);
  const loss = () => {
    net.forward(rows, 1, 0); // the same ε for every evaluation
    return net.lossSum(rows, 0.7) / rows;
  };
  net.backward(rows, net.forward(rows, 1, 0), 1 / rows, 0.7);
  const grad = net.e.f32(net.G, net.nParams).slice();
  const h = 2e-3; // small enough not to step across a ReLU kink here, large enough for float32
  let checked = 0;
  for (const op of net.layout.ops)
    for (let i = op.w; i < op.b + op.to[0]; i++) {
      const p = () => net.e.f32(net.P, net.nParams);
      const keep = p()[i];
      p()[i] = keep + h;
      const up = loss();
      p()[i] = keep - h;
      const down = loss();
      p()[i] = keep;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - grad[i]) < 2e-3 + 2e-2 * Math.abs(fd), `parameter ${i} (${op.kind}): finite difference ${fd} vs gradient ${grad[i]}`);
      checked++;
    }
  assert.is(checked, vae.parameterCount);
}

test('gradients of a whole dense VAE (Bernoulli) match central finite differences', async () => {
  await gradientCheck({ input: { channels: 1, height: 2, width: 3 }, encoder: [{ dense: 5 }, { dense: 4 }], latent: 3 }, 3);
});

test('gradients of a whole convolutional VAE (Gaussian likelihood) match central finite differences', async () => {
  await gradientCheck({ input: { channels: 2, height: 8, width: 8 }, encoder: [{ conv: 3 }, { conv: 2, kernel: 3, stride: 1, padding: 1 }, { dense: 4 }], latent: 2, likelihood: 'gaussian', variance: 0.5 }, 2);
});

test('presets: W5 and W6 layer shapes and parameter counts (the PyTorch models have the same)', async () => {
  const mlp = await VAE.create({ preset: 'mlp', input: { channels: 1, height: 28, width: 28 } });
  assert.is(mlp.parameterCount, 1091920);
  assert.equal(mlp.net.layout.ops.map((o) => o.to[0]), [512, 256, 64, 256, 512, 784]);
  const conv = await VAE.create({ preset: 'conv64', input: { channels: 1, height: 64, width: 64 } });
  assert.is(conv.parameterCount, 2955201);
  assert.equal(conv.net.layout.ops.map((o) => `${o.kind}:${o.to.join('x')}${o.relu ? '+' : ''}`), [
    'conv:32x32x32+', 'conv:64x16x16+', 'conv:128x8x8+', 'conv:256x4x4+', 'dense:256x1x1',
    'dense:4096x1x1+', 'convT:128x8x8+', 'convT:64x16x16+', 'convT:32x32x32+', 'convT:1x64x64',
  ]);
  const big = await VAE.create({ preset: 'conv128', input: { channels: 3, height: 128, width: 128 }, latent: 64 });
  assert.is(big.latent, 64);
  assert.equal(big.net.layout.ops[4].to, [256, 4, 4]);
  assert.is((await big.sample(2)).X.cols, 3 * 128 * 128);
});

test('colour images go in and come out HWC (the gaussface layout) and are channels-first inside the network', async () => {
  const vae = await VAE.create({ config: { input: { channels: 3, height: 2, width: 2 }, encoder: [{ conv: 2, kernel: 2, stride: 1, padding: 0 }], latent: 1 } });
  const hwc = Float32Array.from({ length: 12 }, (_, i) => i / 12); // pixel p, channel c at 3p + c
  vae.net.putRows(hwc, [0], 1);
  const x = vae.net.workspace(1).x;
  assert.equal(Array.from(vae.net.e.f32(x, 12)), [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11].map((i) => hwc[i]));
  const back = new Float32Array(12);
  vae.net.takeImages(x, 1, back, 0);
  assert.equal(back, hwc);
});

test('training lowers the loss; sample, encode, decode and reconstruct have the right shapes', async () => {
  const { X } = syntheticFaces({ n: 200, size: 12, seed: 2 });
  const vae = await VAE.create({ config: { input: { channels: 1, height: 12, width: 12 }, encoder: [{ dense: 64 }, { dense: 32 }], latent: 4 } });
  const before = await vae.elbo(X);
  assert.is(await vae.elbo(X), before, 'evaluation uses fixed draws');
  const seen = [];
  const r = await vae.fit(X, { epochs: 8, batchSize: 32, lr: 3e-3, pool: one, onProgress: (p) => seen.push(p) });
  assert.is(r.loss.length, 8);
  assert.is(seen.length, 8 * 7);
  assert.equal(vae.history, r.loss);
  const after = await vae.elbo(X);
  assert.ok(after < before - 5, `negative ELBO ${before} → ${after}`);
  assert.ok(r.loss[7] < r.loss[0]);
  const { mu, logvar } = await vae.encode(X);
  assert.equal([mu.rows, mu.cols, logvar.cols], [200, 4, 4]);
  const rec = await vae.reconstruct(X);
  assert.equal([rec.rows, rec.cols], [200, 144]);
  assert.ok(rec.data.every((v) => v >= 0 && v <= 1));
  const { X: s } = await vae.sample(5, { temperature: 0.5 });
  assert.equal([s.rows, s.cols], [5, 144]);
});

test('data-parallel training: the same bits for the same worker count, and the same model as one replica up to rounding', async () => {
  const { X } = syntheticFaces({ n: 161, size: 16, seed: 3 }); // 161 = 5 batches of 32 + a batch of 1 row
  const config = { input: { channels: 1, height: 16, width: 16 }, encoder: [{ conv: 4 }, { conv: 8 }, { dense: 16 }], latent: 3 };
  const run = async (pool) => {
    const vae = await VAE.create({ config, randomState: 4 });
    const progress = [];
    const r = await vae.fit(X, { epochs: 3, batchSize: 32, lr: 2e-3, pool, onProgress: (p) => progress.push(p) });
    assert.ok(progress.length >= 3 && progress.at(-1).step === 6, 'progress reaches the last step');
    assert.is(vae.steps, 18);
    return { vae, loss: r.loss, p: params(vae) };
  };
  const [a, b, c, d] = [await run(two), await run(two), await run(one), await run(three)];
  assert.equal(b.p, a.p, 'two workers, twice: the same parameters');
  assert.equal(b.loss, a.loss);
  for (const other of [c, d]) {
    for (let e = 0; e < 3; e++) assert.ok(Math.abs(other.loss[e] - a.loss[e]) < 1e-4 * Math.abs(a.loss[e]), `epoch ${e}: ${other.loss[e]} vs ${a.loss[e]}`);
    const gap = Math.max(...other.p.map((v, i) => Math.abs(v - a.p[i])));
    assert.ok(gap < 1e-3, `parameters differ by ${gap}`);
  }
  // Training continues in the calling thread from a model trained on the pool, and vice versa.
  await a.vae.fit(X, { epochs: 1, batchSize: 32, pool: one });
  await c.vae.fit(X, { epochs: 1, batchSize: 32, pool: two });
  assert.is(a.vae.steps, 24);
});

test('early stopping on the validation ELBO keeps the best epoch', async () => {
  const faces = syntheticFaces({ n: 120, size: 12, seed: 8 });
  const train = { data: faces.X.data.subarray(0, 24 * 144), shape: [24, 144] };
  const val = { data: faces.X.data.subarray(24 * 144), shape: [96, 144] };
  const vae = await VAE.create({ config: { input: { channels: 1, height: 12, width: 12 }, encoder: [{ dense: 256 }], latent: 8 }, randomState: 1 });
  const saved = [];
  const r = await vae.fit(train, { epochs: 200, batchSize: 8, lr: 3e-3, validation: val, patience: 3, pool: one, checkpoint: (bytes, { epoch }) => saved.push(epoch) });
  assert.ok(r.stoppedEarly, `the model overfits 24 images and stops (validation ${r.validation.map((v) => v.toFixed(1))})`);
  assert.is(r.validation.length, r.bestEpoch + 3);
  assert.is(Math.min(...r.validation), r.validation[r.bestEpoch - 1]);
  assert.is(await vae.elbo(val), r.validation[r.bestEpoch - 1], 'the best epoch’s weights are back');
  assert.is(vae.steps, r.bestEpoch * 3);
  assert.equal(saved, Array.from({ length: r.validation.length }, (_, i) => i + 1));
  assert.is(vae.validationHistory.length, r.validation.length);
});

test('a saved model resumes training to the same bits as an uninterrupted run (one replica and two)', async () => {
  const { X } = syntheticFaces({ n: 64, size: 8, seed: 4 });
  for (const pool of [one, two]) {
    const a = await VAE.create({ config: { input: { channels: 1, height: 8, width: 8 }, encoder: [{ dense: 16 }], latent: 2 }, randomState: 5 });
    await a.fit(X, { epochs: 2, batchSize: 16, pool });
    a.info = { note: 'kept' };
    const b = await VAE.fromBytes(a.toBytes());
    assert.equal(b.info, { note: 'kept' });
    await a.fit(X, { epochs: 1, batchSize: 16, pool });
    await b.fit(X, { epochs: 1, batchSize: 16, pool });
    assert.equal(params(b), params(a));
    assert.equal(b.history, a.history);
  }
});

test('cancelling stops after the current step and keeps the steps taken', async () => {
  const { X } = syntheticFaces({ n: 256, size: 12, seed: 1 });
  for (const pool of [one, two]) {
    const vae = await VAE.create({ config: { input: { channels: 1, height: 12, width: 12 }, encoder: [{ dense: 32 }], latent: 2 } });
    const ac = new AbortController();
    await rejects(() => vae.fit(X, { epochs: 50, batchSize: 4, pool, signal: ac.signal, onProgress: (p) => p.epoch === 2 && ac.abort() }), /cancelled/);
    assert.ok(vae.steps > 64 && vae.steps < 50 * 64, `steps ${vae.steps}`);
    // One replica sees the abort at the next step; the pool's progress arrives every 100 ms, maybe after epoch 2.
    assert.ok(vae.history.length >= 1 && vae.history.length <= 2 && vae.steps >= 64 * vae.history.length);
    await vae.fit(X, { epochs: 1, batchSize: 64, pool }); // still usable
  }
});

test('architectures and model files: clear errors', async () => {
  const input = { channels: 1, height: 28, width: 28 };
  await rejects(() => VAE.create({ preset: 'conv64', input }), /conv64 preset is for 64×64 images, got 28×28/);
  await rejects(() => VAE.create({ preset: 'conv9', input }), /unknown VAE preset "conv9"/);
  await rejects(() => VAE.create({}), /needs `input`/);
  await rejects(() => VAE.create({ config: { input, encoder: [{ dense: 8 }, { conv: 4 }], latent: 2 } }), /convolution after a dense layer/);
  await rejects(() => VAE.create({ config: { input: { channels: 1, height: 30, width: 30 }, encoder: [{ conv: 4 }, { conv: 4 }], latent: 2 } }), /encoder\[1\].*does not map 15×15/);
  await rejects(() => VAE.create({ config: { input, encoder: [{ pool: 2 }], latent: 2 } }), /encoder\[0\] must be/);
  await rejects(() => VAE.create({ config: { input, encoder: [], latent: 0 } }), /latent must be an integer ≥ 1/);
  await rejects(() => VAE.create({ config: { input, encoder: [], latent: 2, likelihood: 'poisson' } }), /likelihood must be/);
  const vae = await VAE.create({ config: { input: { channels: 1, height: 2, width: 2 }, encoder: [{ dense: 3 }], latent: 2 } });
  await rejects(() => vae.fit([[0, 1, 2, 0]]), /pixel values must be in \[0, 1\]/);
  await rejects(() => vae.fit([[0, 1, 0]]), /3 columns but 4 were expected/);
  await rejects(() => vae.fit([[0, 1, 0, NaN]]), /NaN/);
  await rejects(() => vae.fit([[0, 1, 0, 1]], { batchSize: 0 }), /batchSize must be an integer/);
  await rejects(() => vae.fit([[0, 1, 0, 1]], { lr: -1 }), /lr must be a finite number/);
  await rejects(() => vae.sample(2, { temperature: -1 }), /temperature must be/);
  await rejects(async () => VAE.fromBytes(vae.toBytes().subarray(0, 40)), /truncated|not a valid/);
  const ac = new AbortController();
  ac.abort();
  await rejects(() => vae.fit([[0, 1, 0, 1]], { signal: ac.signal }), /cancelled/);
});

test('hostile model files: a wrong format, a config that does not parse or does not build, tensors of the wrong size', async () => {
  const { decodeSafetensors, encodeSafetensors } = await import('../dist/index.js');
  const vae = await VAE.create({ config: { input: { channels: 1, height: 2, width: 2 }, encoder: [{ dense: 3 }], latent: 2 } });
  const { tensors, metadata } = decodeSafetensors(vae.toBytes());
  const plain = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
  const bad = (meta, t = plain) => VAE.fromBytes(encodeSafetensors(t, { ...metadata, ...meta }));
  await rejects(() => bad({ format: 'gaussface-image-model' }), /not a gaussface VAE file/);
  await rejects(() => bad({ config: '{' }), /config.*not valid JSON/);
  await rejects(() => bad({ config: JSON.stringify({ input: { channels: 1, height: 2, width: 2 }, encoder: [{ dense: -3 }], latent: 2 }) }), /inconsistent: VAE config: encoder\[0\]\.dense/);
  await rejects(() => bad({}, { ...plain, params: { shape: [3], data: new Float32Array(3) } }), /tensor "params" has shape \[3\], expected \[\d+\]/);
  await rejects(() => bad({ steps: '-1' }), /steps/);
});

test('a diverging fit (lr 1e6) stops with EDIVERGED, writes no checkpoint and goes back to the last finite epoch', async () => {
  const { X } = syntheticFaces({ n: 64, size: 8, seed: 4 });
  for (const pool of [one, two]) {
    const vae = await VAE.create({ config: { input: { channels: 1, height: 8, width: 8 }, encoder: [{ dense: 16 }], latent: 2 }, randomState: 5 });
    await vae.fit(X, { epochs: 1, batchSize: 16, pool });
    const [good, steps, history] = [params(vae), vae.steps, [...vae.history]];
    const saved = [];
    const err = await rejects(() => vae.fit(X, { epochs: 3, batchSize: 16, lr: 1e6, pool, checkpoint: (b, { epoch }) => saved.push(epoch) }), /training diverged in epoch 2 \(loss (NaN|-?Infinity)\).*lower the learning rate \(lr 1000000; try 100000\)/);
    assert.is(err.code, 'EDIVERGED');
    assert.equal(saved, [], 'no checkpoint of a non-finite model');
    assert.equal(params(vae), good, 'the weights are those after epoch 1');
    assert.is(vae.steps, steps);
    assert.equal(vae.history, history);
    assert.ok((await VAE.fromBytes(vae.toBytes())).steps === steps, 'and it still saves and loads');
  }
});

test('loading refuses non-finite weights or Adam moments and negative second moments; Buffers and ArrayBuffers load', async () => {
  const { decodeSafetensors, encodeSafetensors } = await import('../dist/index.js');
  const vae = await VAE.create({ config: { input: { channels: 1, height: 8, width: 8 }, encoder: [{ dense: 5 }], latent: 2 }, randomState: 3 });
  await vae.fit(syntheticFaces({ n: 16, size: 8, seed: 1 }).X, { epochs: 1, batchSize: 8, pool: one });
  const bytes = vae.toBytes();
  const pooled = Buffer.concat([Buffer.alloc(3), Buffer.from(bytes), Buffer.alloc(11)]).subarray(3, 3 + bytes.length);
  for (const input of [pooled, bytes.slice().buffer]) assert.equal(params(await VAE.fromBytes(input)), params(vae));
  const { tensors, metadata } = decodeSafetensors(bytes);
  const edit = (name, i, v) => {
    const data = Float32Array.from(tensors[name].data);
    data[i] = v;
    return encodeSafetensors({ ...tensors, [name]: { shape: tensors[name].shape, data } }, metadata);
  };
  for (const name of ['params', 'adam.m', 'adam.v'])
    for (const v of [NaN, Infinity, -Infinity])
      assert.is((await rejects(() => VAE.fromBytes(edit(name, 7, v)), new RegExp(`tensor "${name}" contains NaN or Infinity \\(${v} at index 7\\)`))).code, 'EFORMAT');
  assert.is((await rejects(() => VAE.fromBytes(edit('adam.v', 2, -1e-3)), /tensor "adam.v" has a negative value/)).code, 'EFORMAT');
  const hist = encodeSafetensors({ ...tensors, history: { shape: [1], data: Float64Array.of(NaN) } }, metadata);
  await rejects(() => VAE.fromBytes(hist), /tensor "history" contains NaN/);
});

test('a hostile config is checked against the tensors and size limits before anything is allocated', async () => {
  const { decodeSafetensors, encodeSafetensors } = await import('../dist/index.js');
  const vae = await VAE.create({ config: { input: { channels: 1, height: 28, width: 28 }, encoder: [{ dense: 64 }], latent: 2 } });
  const { tensors, metadata } = decodeSafetensors(vae.toBytes());
  const config = (c) => encodeSafetensors(tensors, { ...metadata, config: JSON.stringify({ input: { channels: 1, height: 28, width: 28 }, latent: 2, ...c }) });
  const rss = process.memoryUsage().rss;
  const t0 = performance.now();
  // 400,000 units: 627 M parameters (10 GB of engine memory before the fix tried to allocate ~2.9 GB and died)
  const err = await rejects(() => VAE.fromBytes(config({ encoder: [{ dense: 400000 }] })), /inconsistent: VAE config: the network has [\d,]+ parameters; the engine holds at most/);
  assert.is(err.code, 'EFORMAT');
  // a buildable size that does not match the file's tensors
  await rejects(() => VAE.fromBytes(config({ encoder: [{ dense: 3000 }] })), /tensor "params" has shape \[\d+\], expected \[\d+\]/);
  // huge activations with few parameters: 1×16384×16384 images through eight one-filter convolutions (to 64×64)
  const wide = encodeSafetensors(tensors, { ...metadata, config: JSON.stringify({ input: { channels: 1, height: 16384, width: 16384 }, encoder: Array(8).fill({ conv: 1 }), latent: 1 }) });
  await rejects(() => VAE.fromBytes(wide), /one image needs [\d,]+ activations; the limit is/);
  await rejects(() => VAE.create({ config: { input: { channels: 1, height: 28, width: 28 }, encoder: [{ dense: 400000 }], latent: 2 } }), /the engine holds at most/);
  assert.ok(process.memoryUsage().rss - rss < 100e6 && performance.now() - t0 < 5000, 'refused without allocating');
});

test('named attribute vectors are saved in the model file and read back; bad names, vectors and tensors are refused', async () => {
  const { decodeSafetensors, encodeSafetensors } = await import('../dist/index.js');
  const vae = await VAE.create({ config: { input: { channels: 1, height: 2, width: 2 }, encoder: [{ dense: 3 }], latent: 2 } });
  vae.setAttribute('Smiling', [0.6, -0.8]);
  vae.setAttribute('Eye glasses', new Float32Array([1, 0]));
  const back = await VAE.fromBytes(vae.toBytes());
  assert.equal([...back.attributes.keys()].sort(), ['Eye glasses', 'Smiling']);
  assert.equal(Array.from(back.attributes.get('Smiling')), Array.from(Float32Array.of(0.6, -0.8)));
  assert.equal((await VAE.fromBytes((await VAE.create({ config: vae.config })).toBytes())).attributes.size, 0, 'files without attributes load with none');
  assert.throws(() => vae.setAttribute('a.b', [1, 0]), /name must be 1–64 letters/);
  assert.throws(() => vae.setAttribute('', [1, 0]), /name must be/);
  assert.throws(() => vae.setAttribute('x', [1, 0, 0]), /3 values, the latent space 2/);
  assert.throws(() => vae.setAttribute('x', [NaN, 0]), /non-finite/);
  const { tensors, metadata } = decodeSafetensors(vae.toBytes());
  const plain = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
  await rejects(() => VAE.fromBytes(encodeSafetensors({ ...plain, 'attribute.Smiling': { shape: [3], data: new Float32Array(3) } }, metadata)), /tensor "attribute.Smiling" has shape \[3\], expected \[2\]/);
  await rejects(() => VAE.fromBytes(encodeSafetensors({ ...plain, 'attribute.Smiling': { shape: [2], data: Float32Array.of(Infinity, 0) } }, metadata)), /tensor "attribute.Smiling" contains NaN or Infinity/);
  await rejects(() => VAE.fromBytes(encodeSafetensors({ ...plain, 'attribute.a/b': { shape: [2], data: new Float32Array(2) } }, metadata)), /inconsistent: setAttribute: the name must be/);
  const proto = await VAE.fromBytes(encodeSafetensors({ ...plain, 'attribute.__proto__': { shape: [2], data: Float32Array.of(1, 0) } }, metadata));
  assert.equal(Array.from(proto.attributes.get('__proto__')), [1, 0], 'a name like __proto__ is only a name (a Map, not an object)');
});

test.after(() => {
  for (const p of [one, two, three]) p.close();
});

test.run();
