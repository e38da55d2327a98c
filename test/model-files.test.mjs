// Model files: safetensors round trips, a whole image pipeline in one file, and every way a file can be
// broken (truncated, hostile header, inconsistent tensors) rejected with EFORMAT before use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

test('fromBytes reads a Node Buffer that is a view into a larger pool, an ArrayBuffer, and a file read with readFileSync', async () => {
  // Buffer.concat then subarray: the Buffer's .buffer is the whole pool and Buffer#slice is a view, not a copy.
  const pooled = Buffer.concat([Buffer.alloc(13, 7), Buffer.from(bytes), Buffer.alloc(5, 9)]).subarray(13, 13 + bytes.length);
  assert.ok(pooled.buffer.byteLength > bytes.length && pooled.byteOffset === 13);
  const file = join(mkdtempSync(join(tmpdir(), 'gf-')), 'model.safetensors');
  writeFileSync(file, bytes);
  const want = await model.sample(3, { randomState: 2 });
  for (const input of [pooled, bytes.slice().buffer, readFileSync(file)]) {
    const back = ImageModel.fromBytes(input);
    assert.equal(Array.from((await back.sample(3, { randomState: 2 })).images.data), Array.from(want.images.data));
  }
  // A small file (< 4 KiB) comes out of readFileSync as a slice of Node's shared pool.
  const small = encodeSafetensors({ w: { shape: [3], data: Float64Array.of(0.25, 0.5, 0.25) } }, { k: 'v' });
  writeFileSync(file, small);
  assert.equal(Array.from(decodeSafetensors(readFileSync(file)).tensors.w.data), [0.25, 0.5, 0.25]);
  assert.is((await rejects(async () => decodeSafetensors('a string'), /expected the file as a Uint8Array, Buffer or ArrayBuffer, got string/)).code, 'EINPUT');
});

/** A safetensors file with this header object (any JSON) and `dataLength` zero bytes after it. */
const withHeader = (h, dataLength = 8) => {
  const json = new TextEncoder().encode(typeof h === 'string' ? h : JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
};

test('names from the file are own properties: a dtype "toString" is unknown, a tensor "__proto__" is a tensor', async () => {
  for (const dtype of ['toString', '__proto__', 'constructor', 'hasOwnProperty'])
    assert.is((await rejects(async () => decodeSafetensors(withHeader({ x: { dtype, shape: [2], data_offsets: [0, 8] } })), new RegExp(`tensor "x" has unsupported dtype "${dtype}" \\(expected F32, F64, I32 or U8\\)$`))).code, 'EFORMAT');
  const out = decodeSafetensors(withHeader('{"__proto__": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "__metadata__": {"__proto__": "m"}}'));
  assert.ok(Object.hasOwn(out.tensors, '__proto__') && Object.getPrototypeOf(out.tensors) === Object.prototype);
  assert.equal(out.tensors['__proto__'].shape, [2]);
  assert.is(Object.getOwnPropertyDescriptor(out.metadata, '__proto__').value, 'm');
  // written back as a tensor, not lost as a prototype
  const tensors = {};
  Object.defineProperty(tensors, '__proto__', { value: out.tensors['__proto__'], enumerable: true });
  assert.ok(Object.hasOwn(decodeSafetensors(encodeSafetensors(tensors)).tensors, '__proto__'));
  // A model file is not fooled by inherited names either.
  const model = decodeSafetensors(bytes);
  await rejects(async () => ImageModel.fromBytes(encodeSafetensors(model.tensors, { ...model.metadata, 'gmm.covariance_type': 'constructor' })), /covariance_type/);
});

test('a finite but corrupt precision factor or covariance (zero or negative diagonal) is EFORMAT, for every covariance type', async () => {
  const Z = await pca.transform(faces.X);
  for (const type of ['full', 'tied', 'diag', 'spherical']) {
    const g = await new GaussianMixture({ nComponents: 2, covarianceType: type, randomState: 0, onWarning: () => {} }).fit(Z);
    const m = new ImageModel({ width: 16, height: 16, channels: 1 }, pca, g);
    const { tensors, metadata } = decodeSafetensors(m.toBytes());
    assert.ok(Number.isFinite(await ImageModel.fromBytes(m.toBytes()).gmm.score(Z)));
    // The last value is on a diagonal in every layout (full [K, d, d], tied [d, d], diag [K, d], spherical [K]).
    const last = tensors['gmm.precisions_cholesky'].data.length - 1;
    for (const name of ['gmm.precisions_cholesky', 'gmm.covariances'])
      for (const v of [-0.5, 0]) {
        const data = Float64Array.from(tensors[name].data);
        data[last] = v;
        const err = await rejects(async () => ImageModel.fromBytes(encodeSafetensors({ ...tensors, [name]: { shape: tensors[name].shape, data } }, metadata)), new RegExp(`tensor "${name}" has ${v} on a diagonal \\(index ${last}\\)`));
        assert.is(err.code, 'EFORMAT', `${type} ${name} ${v}`);
      }
    // A factor that no longer inverts its covariance (one value changed, diagonal or not) is caught too.
    const data = Float64Array.from(tensors['gmm.precisions_cholesky'].data);
    data[1 % data.length] *= 1.5;
    const wrong = { ...tensors, 'gmm.precisions_cholesky': { shape: tensors['gmm.precisions_cholesky'].shape, data } };
    assert.is((await rejects(async () => ImageModel.fromBytes(encodeSafetensors(wrong, metadata)), /"gmm.precisions_cholesky" (does not invert its covariance|\(.*\) is not 1\/√ of its covariance)/)).code, 'EFORMAT');
  }
});

test('NaN or Infinity in any tensor of an image model, or a bad reg_covar, is EFORMAT naming it', async () => {
  const { tensors, metadata } = decodeSafetensors(bytes);
  for (const [name, t] of Object.entries(tensors))
    for (const v of [NaN, Infinity, -Infinity]) {
      const data = t.data.slice();
      data[data.length >> 1] = v;
      const err = await rejects(async () => ImageModel.fromBytes(encodeSafetensors({ ...tensors, [name]: { shape: t.shape, data } }, metadata)), new RegExp(`tensor "${name.replace('.', '\\.')}" contains NaN or Infinity`));
      assert.is(err.code, 'EFORMAT');
    }
  for (const reg of ['NaN', 'Infinity', '-1', 'x'])
    assert.is((await rejects(async () => ImageModel.fromBytes(encodeSafetensors(tensors, { ...metadata, 'gmm.reg_covar': reg })), /gmm\.reg_covar/)).code, 'EFORMAT');
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
