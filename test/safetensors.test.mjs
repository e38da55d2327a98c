// The safetensors codec on its own: exact bytes (a committed fixture), round trips of every dtype, numpy reading
// our files by the spec, and every malformed file — truncated anywhere, hostile sizes, broken headers — refused
// with EFORMAT before any tensor is read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '../dist/index.js';
import { saveFileAtomic } from '../dist/node.js';
import { rejects } from './helpers/util.mjs';

const FIXTURE = new URL('./fixtures/small.safetensors', import.meta.url);
// The tensors in test/fixtures/small.safetensors (written by encodeSafetensors; regenerate with
// GAUSSFACE_WRITE_FIXTURES=1 only when the format is meant to change).
const tensors = {
  'pca.mean': { dtype: 'F32', shape: [2, 3], data: Float32Array.of(0.5, -1.25, 3e-8, 65504, -0, 1 / 3) },
  'gmm.weights': { dtype: 'F64', shape: [3], data: Float64Array.of(0.2, 0.3, 0.5) },
  'labels': { dtype: 'I32', shape: [4], data: Int32Array.of(-1, 0, 2147483647, -2147483648) },
  'image.bytes': { dtype: 'U8', shape: [1, 5], data: Uint8Array.of(0, 1, 127, 128, 255) },
  'scalar': { dtype: 'F64', shape: [], data: Float64Array.of(Math.PI) },
  'empty': { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
};
const metadata = { format: 'gaussface-test', version: '1', note: 'ünïcode ✓' };
const bytes = encodeSafetensors(tensors, metadata);
if (process.env.GAUSSFACE_WRITE_FIXTURES) await saveFileAtomic(FIXTURE.pathname, bytes);

const headerOf = (b) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
/** A file with this header object and `data` bytes after it. */
function file(header, dataLength = 16) {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}
const formatError = async (b, re) => assert.is((await rejects(async () => decodeSafetensors(b), re)).code, 'EFORMAT');

test('the encoder writes exactly the committed fixture: LE header length, padded JSON, LE data in name order', () => {
  assert.equal(Array.from(bytes), Array.from(readFileSync(FIXTURE)), 'format drift: the bytes differ from test/fixtures/small.safetensors');
  const n = headerOf(bytes);
  assert.is((8 + n) % 8, 0, 'data section is 8-byte aligned');
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(text, / +$/, 'padding is spaces');
  const header = JSON.parse(text);
  assert.equal(header.__metadata__, metadata);
  assert.equal(header['empty'], { dtype: 'F32', shape: [0, 4], data_offsets: [0, 0] });
  assert.equal(header['gmm.weights'].data_offsets, [0, 24]);
  // pca.mean[0] = 0.5f at its offset, little-endian (00 00 00 3f).
  const at = 8 + n + header['pca.mean'].data_offsets[0];
  assert.equal(Array.from(bytes.subarray(at, at + 4)), [0, 0, 0, 0x3f]);
});

test('round trip of every dtype, scalar and empty shapes; decoded tensors are aligned copies', () => {
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const out = decodeSafetensors(shifted.subarray(3)); // an unaligned view of the file
  assert.equal(out.metadata, metadata);
  for (const [k, v] of Object.entries(tensors)) {
    assert.is(out.tensors[k].dtype, v.dtype, k);
    assert.equal(out.tensors[k].shape, v.shape, k);
    assert.ok(out.tensors[k].data instanceof v.data.constructor, k);
    assert.equal(Array.from(out.tensors[k].data), Array.from(v.data), k);
  }
  assert.ok(Object.is(out.tensors['pca.mean'].data[4], -0));
  shifted.fill(0);
  assert.is(out.tensors['scalar'].data[0], Math.PI, 'independent of the input buffer');
  // dtype may be left to the typed array
  assert.is(decodeSafetensors(encodeSafetensors({ x: { shape: [1], data: Int32Array.of(7) } })).tensors.x.dtype, 'I32');
});

test('numpy reads our file by the spec (skipped without /usr/bin/python3 + numpy)', () => {
  if (spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status !== 0) {
    console.log('  skipped: /usr/bin/python3 with numpy is not installed (the reader check needs it)');
    return;
  }
  const r = spawnSync('/usr/bin/python3', [new URL('./helpers/read_safetensors.py', import.meta.url).pathname, FIXTURE.pathname]);
  assert.is(r.status, 0, r.stderr?.toString());
  const out = JSON.parse(r.stdout.toString());
  assert.equal(out.metadata, metadata);
  for (const [k, v] of Object.entries(tensors)) {
    assert.is(out.tensors[k].dtype, v.dtype, k);
    assert.equal(out.tensors[k].shape, v.shape, k);
    assert.equal(out.tensors[k].values, Array.from(v.data), k);
  }
});

test('bad tensors are refused when encoding', async () => {
  const enc = (t, m) => async () => encodeSafetensors(t, m);
  await rejects(enc({ x: { dtype: 'F64', shape: [1], data: Float32Array.of(1) } }), /declared F64 but its data is F32/);
  await rejects(enc({ x: { shape: [2, 2], data: Float32Array.of(1) } }), /shape \[2,2\] needs 4 values, got 1/);
  await rejects(enc({ x: { shape: [-1], data: Float32Array.of(1) } }), /non-negative integers/);
  await rejects(enc({ x: { shape: [1], data: [1] } }), /must be a Float32Array/);
  await rejects(enc({ x: { shape: [1], data: Float32Array.of(1) } }, { n: 3 }), /metadata "n" must be a string/);
  await rejects(enc({ __metadata__: { shape: [1], data: Float32Array.of(1) } }), /cannot be a tensor name/);
});

test('a file cut at any length is EFORMAT; cut in half it says how long it should be', async () => {
  for (let cut = 0; cut < bytes.length; cut++) await formatError(bytes.subarray(0, cut), /truncated/);
  const model = encodeSafetensors({ w: { shape: [64, 64], data: new Float32Array(4096).fill(0.25) } });
  const half = model.length >> 1;
  await formatError(model.subarray(0, half), new RegExp(`file is truncated: expected ${model.length} bytes, got ${half}$`));
  await formatError(bytes.subarray(0, 8 + headerOf(bytes) - 1), new RegExp(`file is truncated: expected at least ${8 + headerOf(bytes)} bytes \\(the header\\), got`));
});

test('hostile sizes are refused without allocating', async () => {
  // 2^60 elements in a 16-byte span, and a consistent but absurd span: neither is ever allocated.
  await formatError(file({ x: { dtype: 'F64', shape: [2 ** 30, 2 ** 30], data_offsets: [0, 16] } }), /needs more bytes than the file has/);
  await formatError(file({ x: { dtype: 'U8', shape: [2 ** 52], data_offsets: [0, 2 ** 52] } }), /file is truncated: expected \d+ bytes, got \d+/);
  await formatError(file({ x: { dtype: 'F32', shape: [2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 16] } }), /needs more bytes than the file has/);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
  await formatError(huge, /header length \d+ is implausibly large/);
  new DataView(huge.buffer).setBigUint64(0, 1000n, true);
  await formatError(huge, /truncated: expected at least 1008 bytes \(the header\), got 16/);
});

test('every malformed header is named', async () => {
  const t = (o) => ({ dtype: 'F32', shape: [2], data_offsets: [0, 8], ...o });
  const cases = [
    ['{"x": ', /not JSON/],
    ['[1, 2]', /not a JSON object/],
    [{ __metadata__: [] }, /__metadata__ is not an object/],
    [{ __metadata__: { a: 1 } }, /metadata "a" is not a string/],
    [{ x: 3 }, /tensor "x" has no description/],
    [{ x: t({ dtype: 'BF16' }) }, /unsupported dtype "BF16"/],
    [{ x: t({ dtype: undefined }) }, /unsupported dtype undefined/],
    [{ x: t({ shape: [2.5] }) }, /invalid shape \[2.5\]/],
    [{ x: t({ shape: 2 }) }, /invalid shape 2/],
    [{ x: t({ data_offsets: [8, 0] }) }, /invalid data_offsets/],
    [{ x: t({ data_offsets: [0, -8] }) }, /invalid data_offsets/],
    [{ x: t({ data_offsets: [0, 12] }) }, /= 8 ≠ its 12 bytes/],
    [{ x: t({ data_offsets: [0, 8] }), y: t({ data_offsets: [4, 12] }) }, /"x" and "y" overlap/],
    [{ x: t({ data_offsets: [8, 16] }) }, /data bytes 0–8 belong to no tensor/],
    [{ x: t({ data_offsets: [0, 8] }) }, /8 bytes after the last tensor belong to no tensor/],
  ];
  for (const [h, re] of cases) await formatError(file(h), re);
  const notUtf8 = file('{"a":1}');
  notUtf8[10] = 0xff;
  await formatError(notUtf8, /not JSON/);
  await rejects(async () => decodeSafetensors([1, 2, 3]), /expected the file as a Uint8Array/);
});

test('a Node Buffer (readFileSync) decodes to the same tensors as a plain Uint8Array', () => {
  const bytes = encodeSafetensors({ a: { shape: [3], data: Float64Array.of(1, 2, 3) }, b: { shape: [2], data: Float32Array.of(4, 5) } }, {});
  // Buffer.prototype.slice is a view, not a copy: a decoder that copies with .slice() would read the whole pool.
  const { tensors } = decodeSafetensors(Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3));
  assert.equal(Array.from(tensors.a.data), [1, 2, 3]);
  assert.equal(Array.from(tensors.b.data), [4, 5]);
});

test.run();
