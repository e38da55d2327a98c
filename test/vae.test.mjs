// The fully connected VAE: whole-model gradients against finite differences, training that lowers the loss,
// save and resume to the same bits, and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MlpVae, syntheticFaces } from '../dist/index.js';
import { rejects, rng } from './helpers/util.mjs';

test('gradients of the whole model match central finite differences', async () => {
  const vae = await MlpVae.create({ inputSize: 6, hidden: [5, 4], latent: 3, randomState: 1 });
  const r = rng(3);
  const X = Array.from({ length: 3 }, () => Array.from({ length: 6 }, () => r()));
  const m = { rows: 3, cols: 6, row: (i) => Float32Array.from(X[i]) };
  vae.workspace(3);
  vae.putRows(m, [0, 1, 2], 3);
  const d0 = vae.drawn;
  const loss = () => {
    vae.drawn = d0; // the same ε for every evaluation
    vae.forward(3, 1);
    return vae.sumLoss(3, 0.7) / 3;
  };
  vae.drawn = d0;
  const { head, logits } = vae.forward(3, 1);
  vae.backward(3, head, logits, 0.7);
  const e = vae.e;
  const grad = e.f32(vae.G, vae.nParams).slice();
  const h = 2e-3; // small enough not to step across a ReLU kink here, large enough for float32
  let checked = 0;
  for (let i = 0; i < vae.nParams; i++) {
    const p = e.f32(vae.P, vae.nParams);
    const keep = p[i];
    p[i] = keep + h;
    const up = loss();
    e.f32(vae.P, vae.nParams)[i] = keep - h;
    const down = loss();
    e.f32(vae.P, vae.nParams)[i] = keep;
    const fd = (up - down) / (2 * h);
    assert.ok(Math.abs(fd - grad[i]) < 2e-3 + 2e-2 * Math.abs(fd), `parameter ${i}: finite difference ${fd} vs gradient ${grad[i]}`);
    checked++;
  }
  assert.is(checked, vae.nParams);
});

test('training lowers the loss; sample, encode, decode and reconstruct have the right shapes', async () => {
  const { X } = syntheticFaces({ n: 200, size: 12, seed: 2 });
  const vae = await MlpVae.create({ inputSize: 144, hidden: [64, 32], latent: 4, randomState: 0 });
  const before = await vae.elbo(X);
  const seen = [];
  const history = await vae.fit(X, { epochs: 8, batchSize: 32, lr: 3e-3, onProgress: (p) => seen.push(p) });
  assert.is(history.length, 8);
  assert.is(seen.length, 8 * 7);
  const after = await vae.elbo(X);
  assert.ok(after < before - 5, `negative ELBO ${before} → ${after}`);
  assert.ok(history[7] < history[0]);
  const { mu, logvar } = await vae.encode(X);
  assert.equal([mu.rows, mu.cols, logvar.cols], [200, 4, 4]);
  const rec = await vae.reconstruct(X);
  assert.equal([rec.rows, rec.cols], [200, 144]);
  assert.ok(rec.data.every((v) => v >= 0 && v <= 1));
  const { X: s } = await vae.sample(5, { temperature: 0.5 });
  assert.equal([s.rows, s.cols], [5, 144]);
});

test('iwae bounds, interpolation, attribute vectors and latent statistics', async () => {
  const faces = syntheticFaces({ n: 240, size: 12, seed: 6 });
  const vae = await MlpVae.create({ inputSize: 144, hidden: [64], latent: 4, randomState: 2 });
  await vae.fit(faces.X, { epochs: 10, batchSize: 32, lr: 3e-3 });
  const X = { data: faces.X.data.subarray(0, 60 * 144), shape: [60, 144] };
  const [elbo, iw1, iw16] = [await vae.elbo(X), await vae.iwae(X, 1), await vae.iwae(X, 16)];
  assert.ok(Math.abs(iw1 + elbo) < 0.05 * Math.abs(elbo), `iwae(1) ${iw1} ≈ −elbo ${-elbo}`);
  assert.ok(iw16 >= iw1 - 0.5, `iwae(16) ${iw16} ≥ iwae(1) ${iw1}`);
  const [a, b] = [faces.X.row(0), faces.X.row(1)];
  const path = await vae.interpolate(a, b, 5);
  const ends = await vae.reconstruct([Array.from(a), Array.from(b)]);
  assert.is(path.rows, 5);
  for (let i = 0; i < 144; i++) {
    assert.ok(Math.abs(path.get(0, i) - ends.get(0, i)) < 1e-5 && Math.abs(path.get(4, i) - ends.get(1, i)) < 1e-5);
  }
  assert.is((await vae.interpolate(a, b, 3, { spherical: true })).rows, 3);
  const smiling = Array.from({ length: 240 }, (_, i) => faces.attributes.values.get(i, 0));
  const v = await vae.attributeVector(faces.X, smiling);
  assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
  // Moving non-smiling faces along the vector moves their codes towards the smiling mean.
  const neutral = Array.from({ length: 240 }, (_, i) => i).filter((i) => !smiling[i]).slice(0, 20).map((i) => Array.from(faces.X.row(i)));
  const moved = await vae.encode(await vae.applyAttribute(neutral, v, 2));
  const before = await vae.encode(neutral);
  const proj = (m) => m.data.reduce((s, x, i) => s + x * v[i % 4], 0) / m.rows;
  assert.ok(proj(moved.mu) > proj(before.mu), 'codes move along the attribute');
  const st = await vae.latentStats(faces.X);
  assert.is(st.mean.length, 4);
  assert.ok(st.kl.every((k) => k >= -1e-6));
  assert.equal(st.active, Array.from(st.variance, (x) => x > 0.01));
  assert.ok(st.variance.some((x) => x > 0), "the codes vary across images");
  await rejects(() => vae.iwae(X, 0), /k must be an integer/);
  await rejects(() => vae.attributeVector(faces.X, new Array(240).fill(1)), /with the attribute \(label 1\) and without it/);
});

test('a saved model resumes training to the same bits as an uninterrupted run', async () => {
  const { X } = syntheticFaces({ n: 64, size: 8, seed: 4 });
  const a = await MlpVae.create({ inputSize: 64, hidden: [16], latent: 2, randomState: 5 });
  await a.fit(X, { epochs: 2, batchSize: 16 });
  const b = await MlpVae.fromBytes(a.toBytes());
  await a.fit(X, { epochs: 1, batchSize: 16 });
  await b.fit(X, { epochs: 1, batchSize: 16 });
  assert.equal(Array.from(b.e.f32(b.P, b.nParams)), Array.from(a.e.f32(a.P, a.nParams)));
  assert.equal(b.history, a.history);
});

test('bad input is a GaussfaceError', async () => {
  await rejects(() => MlpVae.create({ inputSize: 0 }), /inputSize must be an integer/);
  const vae = await MlpVae.create({ inputSize: 4, hidden: [3], latent: 2 });
  await rejects(() => vae.fit([[0, 1, 2, 0]]), /pixel values must be in \[0, 1\]/);
  await rejects(() => vae.fit([[0, 1, 0]]), /3 columns but 4 were expected/);
  await rejects(() => vae.fit([[0, 1, 0, NaN]]), /NaN/);
  await rejects(() => vae.fit([[0, 1, 0, 1]], { batchSize: 0 }), /batchSize must be an integer/);
  await rejects(async () => MlpVae.fromBytes(vae.toBytes().subarray(0, 40)), /truncated|not a valid/);
  const ac = new AbortController();
  ac.abort();
  await rejects(() => vae.fit([[0, 1, 0, 1]], { signal: ac.signal }), /cancelled/);
});

test.run();
