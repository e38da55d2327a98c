// Model files: safetensors round trips, a whole image pipeline in one file, and every way a file can be
// broken (truncated, hostile header, inconsistent tensors) rejected with EFORMAT before use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, GaussianMixture, ImageModel, PCA, shutdown, syntheticFaces } from '../dist/index.js';
import { rejects } from './helpers/util.mjs';

const faces = syntheticFaces({ n: 60, size: 16, seed: 3 });
const pca = await new PCA({ nComponents: 8, randomState: 0 }).fit(faces.X);
const gmm = await new GaussianMixture({ nComponents: 3, randomState: 0, onWarning: () => {} }).fit(await pca.transform(faces.X));
const model = new ImageModel({ width: 16, height: 16, channels: 1 }, pca, gmm, { dataset: 'synthetic', seed: '3' });
const bytes = model.toBytes();

test('safetensors round trip of every dtype, with metadata', () => {
  const t = { a: { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }, b: { shape: [1], data: Float64Array.of(Math.PI) }, c: { shape: [0], data: new Int32Array(0) }, d: { shape: [3], data: Uint8Array.of(1, 2, 255) } };
  const out = decodeSafetensors(encodeSafetensors(t, { hello: 'world' }));
  assert.equal(out.metadata, { hello: 'world' });
  for (const [k, v] of Object.entries(t)) {
    assert.equal(out.tensors[k].shape, v.shape);
    assert.equal(Array.from(out.tensors[k].data), Array.from(v.data));
  }
});

test('an image model file restores the same generator', async () => {
  const back = ImageModel.fromBytes(bytes);
  assert.equal(back.spec, { width: 16, height: 16, channels: 1 });
  assert.equal(back.info, { dataset: 'synthetic', seed: '3' });
  const [a, b] = [await model.sample(5, { randomState: 9 }), await back.sample(5, { randomState: 9 })];
  assert.equal(Array.from(b.images.data), Array.from(a.images.data));
  assert.is(back.gmm.covarianceType, 'full');
  assert.is(await back.gmm.score(await pca.transform(faces.X)), await gmm.score(await pca.transform(faces.X)));
});

test('a file cut anywhere, a hostile header or inconsistent tensors are EFORMAT errors', async () => {
  for (const cut of [0, 4, 8, 20, bytes.length >> 1, bytes.length - 1]) {
    const err = await rejects(async () => ImageModel.fromBytes(bytes.subarray(0, cut)), /truncated|not JSON|not a valid/);
    assert.is(err.code, 'EFORMAT');
  }
  const header = (h) => {
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length + 16);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  const cases = [
    [{ x: { dtype: 'F32', shape: [2 ** 30, 2 ** 30], data_offsets: [0, 16] } }, /needs more bytes than the file has/],
    [{ x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, /unsupported dtype/],
    [{ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, /invalid shape/],
    [{ x: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }, /≠ its 12 bytes/],
    [{ x: { dtype: 'F32', shape: [2], data_offsets: [8, 16] }, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, /overlap/],
    [{ x: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, /more bytes than the file has|truncated/],
    [{ __metadata__: { n: 3 } }, /metadata "n" is not a string/],
  ];
  for (const [h, re] of cases) assert.is((await rejects(async () => decodeSafetensors(header(h)), re)).code, 'EFORMAT');
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
  await rejects(async () => decodeSafetensors(huge), /implausibly large/);
  const notModel = encodeSafetensors({ x: { shape: [1], data: Float32Array.of(1) } }, { format: 'other' });
  await rejects(async () => ImageModel.fromBytes(notModel), /not a gaussface image model/);
  // Internally inconsistent: drop a tensor, then change a shape.
  const { tensors, metadata } = decodeSafetensors(bytes);
  const without = Object.fromEntries(Object.entries(tensors).filter(([k]) => k !== 'gmm.means'));
  await rejects(async () => ImageModel.fromBytes(encodeSafetensors(without, metadata)), /tensor "gmm.means" is missing/);
  const wrongMeta = { ...metadata, 'image.width': '17' };
  await rejects(async () => ImageModel.fromBytes(encodeSafetensors(tensors, wrongMeta)), /17×16×1 images have 272/);
  const nanWeights = { ...tensors, 'gmm.weights': { shape: [3], data: Float64Array.of(NaN, 0.5, 0.5) } };
  await rejects(async () => ImageModel.fromBytes(encodeSafetensors(nanWeights, metadata)), /NaN or Infinity/);
});

test('numpy reads the file by the safetensors spec', (ctx) => {
  const py = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  if (py.status !== 0) {
    console.log('  skipped: /usr/bin/python3 with numpy is not installed (the reader check needs it)');
    return;
  }
  const file = join(mkdtempSync(join(tmpdir(), 'gf-')), 'model.safetensors');
  writeFileSync(file, bytes);
  const r = spawnSync('/usr/bin/python3', [new URL('./helpers/read_safetensors.py', import.meta.url).pathname, file]);
  assert.is(r.status, 0, r.stderr?.toString());
  const out = JSON.parse(r.stdout.toString());
  assert.is(out.metadata.format, 'gaussface-image-gmm');
  assert.equal(out.tensors['pca.components'].shape, [8, 256]);
  const sum = pca.components.data.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(out.tensors['pca.components'].sum - sum) < 1e-9);
});

test.after(() => shutdown());
test.run();
