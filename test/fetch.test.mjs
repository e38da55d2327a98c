// Named data sets against a local HTTP server (never the internet): download once into a cache, sha256
// verification, resume with Range after an interruption, a corrupt download removed, and each format decoded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { extractTar, fetchDataset, fetchFile, readMat } from '../dist/node.js';
import { rejects } from './helpers/util.mjs';

const sha = (b) => createHash('sha256').update(b).digest('hex');
const idx = (dims, data) => {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt16BE(0, 0);
  h[2] = 8;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([h, Buffer.from(data)]));
};
const files = {
  'train-images-idx3-ubyte.gz': idx([3, 28, 28], Array.from({ length: 3 * 784 }, (_, i) => i % 256)),
  'train-labels-idx1-ubyte.gz': idx([3], [1, 2, 3]),
  't10k-images-idx3-ubyte.gz': idx([2, 28, 28], Array.from({ length: 2 * 784 }, (_, i) => (7 * i) % 256)),
  't10k-labels-idx1-ubyte.gz': idx([2], [9, 0]),
};

/** A tar archive (ustar) of { path: bytes }. */
function tar(entries) {
  const blocks = [];
  for (const [name, data] of Object.entries(entries)) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write('0000644\0', 100);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('        ', 148);
    h[156] = 0x30;
    h.write('ustar\0', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

/** A level-5 .mat file holding one compressed double matrix. */
function mat(name, rows, cols, values) {
  const el = (type, data) => {
    const tag = Buffer.alloc(8);
    tag.writeUInt32LE(type, 0);
    tag.writeUInt32LE(data.length, 4);
    return Buffer.concat([tag, data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
  };
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(6, 0);
  const dims = Buffer.alloc(8);
  dims.writeInt32LE(rows, 0);
  dims.writeInt32LE(cols, 4);
  const real = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => real.writeDoubleLE(v, 8 * i));
  const matrix = el(14, Buffer.concat([el(6, flags), el(5, dims), el(1, Buffer.from(name)), el(9, real)]));
  const header = Buffer.alloc(128, 0x20);
  header.write('MATLAB 5.0 MAT-file, gaussface test', 0);
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126);
  return Buffer.concat([header, el(15, deflateSync(matrix))]);
}

const jpeg = (v) => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: v, g: v, b: v } } }).jpeg().toBuffer();
files['lfw.tgz'] = gzipSync(tar({ 'lfw/Ann/Ann_0001.jpg': await jpeg(40), 'lfw/Bob/Bob_0001.jpg': await jpeg(200) }));
const faceValues = Array.from({ length: 4096 * 2 }, (_, i) => (i % 4096) / 4096 + Math.floor(i / 4096));
files['olivettifaces.mat'] = mat('faces', 4096, 2, faceValues);
const checksums = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, sha(v)]));

// The server counts requests, honours Range, and can cut the first response of a file short.
const requests = [];
let cutOnce = new Set();
const server = createServer((req, res) => {
  const name = decodeURIComponent(req.url.slice(1));
  const body = files[name];
  requests.push({ name, range: req.headers.range });
  if (!body) return void res.writeHead(404).end();
  const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  res.writeHead(m ? 206 : 200, { 'content-length': body.length - start });
  if (cutOnce.has(name)) {
    cutOnce.delete(name);
    res.write(body.subarray(start, start + Math.floor((body.length - start) / 2)));
    return void setTimeout(() => res.destroy(), 20);
  }
  res.end(body.subarray(start));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const baseUrl = `http://127.0.0.1:${server.address().port}`;
const cache = () => mkdtempSync(join(tmpdir(), 'gaussface-cache-'));

test('fashion-mnist: downloaded once, verified, decoded; the second call reads the cache', async () => {
  const cacheDir = cache();
  requests.length = 0;
  const a = await fetchDataset('fashion-mnist', { cacheDir, baseUrl, checksums });
  assert.is(a.X.rows, 3);
  assert.is(a.X.cols, 784);
  assert.equal(Array.from(a.labels), [1, 2, 3]);
  assert.is(a.testX.rows, 2);
  assert.is(requests.length, 4);
  await fetchDataset('fashion-mnist', { cacheDir, baseUrl, checksums });
  assert.is(requests.length, 4, 'no second download');
});

test('an interrupted download keeps its partial file and resumes with a Range request', async () => {
  const cacheDir = cache();
  const f = { name: 'train-images-idx3-ubyte.gz', url: 'unused', sha256: checksums['train-images-idx3-ubyte.gz'] };
  const dest = join(cacheDir, 'x', f.name);
  cutOnce = new Set([f.name]);
  requests.length = 0;
  await rejects(() => fetchFile(f, dest, { baseUrl }), /interrupted .*resumed next time/);
  assert.not.ok(existsSync(dest), 'no final file after a failure');
  assert.ok(existsSync(dest + '.part'));
  await fetchFile(f, dest, { baseUrl });
  assert.ok(existsSync(dest));
  assert.not.ok(existsSync(dest + '.part'));
  assert.match(requests[1].range, /^bytes=\d+-$/);
});

test('a checksum mismatch removes the download and says so; HTTP errors are named', async () => {
  const cacheDir = cache();
  const f = { name: 'train-labels-idx1-ubyte.gz', url: 'unused', sha256: '0'.repeat(64) };
  const err = await rejects(() => fetchFile(f, join(cacheDir, f.name), { baseUrl }), /checksum mismatch for train-labels-idx1-ubyte.gz.*removed/);
  assert.is(err.code, 'EFORMAT');
  assert.is(readdirSync(cacheDir).length, 0);
  await rejects(() => fetchFile({ name: 'nothing.gz', url: 'unused', sha256: '0' }, join(cacheDir, 'n'), { baseUrl }), /HTTP 404/);
  const ac = new AbortController();
  ac.abort();
  await rejects(() => fetchFile({ name: 'lfw.tgz', url: 'unused', sha256: '0' }, join(cacheDir, 'l'), { baseUrl, signal: ac.signal }), /cancelled/);
});

test('lfw: a tgz of per-person folders becomes 64×64 gray rows with labels', async () => {
  const d = await fetchDataset('lfw', { cacheDir: cache(), baseUrl, checksums });
  assert.is(d.X.rows, 2);
  assert.is(d.X.cols, 4096);
  assert.equal(d.labelNames, ['Ann', 'Bob']);
  assert.ok(d.X.data[0] < 0.3 && d.X.data[4096] > 0.7);
});

test('olivetti: the .mat matrix becomes row-major 64×64 images', async () => {
  const d = await fetchDataset('olivetti', { cacheDir: cache(), baseUrl, checksums });
  assert.is(d.X.rows, 2);
  // Image 0, pixel (row 1, column 0) is MATLAB element 1 of column 0, scaled by the maximum (1 + 4095/4096).
  assert.ok(Math.abs(d.X.data[64] - 1 / 4096 / (1 + 4095 / 4096)) < 1e-7);
  const m = readMat(files['olivettifaces.mat'], 'faces');
  assert.equal(m.shape, [4096, 2]);
  await rejects(async () => readMat(files['olivettifaces.mat'], 'nope'), /no matrix named 'nope'/);
  await rejects(async () => readMat(files['olivettifaces.mat'].subarray(0, 140), 'faces'), /truncated|not a readable/);
});

test('a server that stalls (no response, or no data mid-body) stops the download after stallTimeout; the part is kept', async () => {
  const body = Buffer.alloc(4096, 7);
  const stalls = createServer((req, res) => {
    if (req.url === '/silent.bin') return; // accepts, never answers
    res.writeHead(200, { 'content-length': body.length });
    res.write(body.subarray(0, 1000)); // then nothing, connection open
  });
  await new Promise((r) => stalls.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${stalls.address().port}`;
  try {
    const dir = cache();
    const t0 = performance.now();
    const mid = await rejects(() => fetchFile({ name: 'slow.bin', url: 'unused', sha256: sha(body) }, join(dir, 'slow.bin'), { baseUrl: base, stallTimeout: 300 }), /download of slow.bin stalled \(no data for 0.3 s\) at 1000 bytes; the partial file is kept/);
    assert.is(mid.code, 'EINPUT');
    assert.is(readFileSync(join(dir, 'slow.bin.part')).length, 1000);
    await rejects(() => fetchFile({ name: 'silent.bin', url: 'unused', sha256: '0' }, join(dir, 'silent.bin'), { baseUrl: base, stallTimeout: 300 }), /cannot download silent.bin .*no data for 0.3 s before the response/);
    assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
    await rejects(() => fetchFile({ name: 'x', url: 'unused', sha256: '0' }, join(dir, 'x'), { baseUrl: base, stallTimeout: 0 }), /stallTimeout must be/);
  } finally {
    stalls.closeAllConnections();
    await new Promise((r) => stalls.close(r));
  }
});

test('readMat: a zlib bomb stops at the inflate limit (EFORMAT), a corrupt stream is EFORMAT', async () => {
  const matrix = (data) => {
    const header = Buffer.alloc(128, 0x20);
    header.writeUInt16LE(0x0100, 124);
    header.write('IM', 126);
    const tag = Buffer.alloc(8);
    tag.writeUInt32LE(15, 0);
    tag.writeUInt32LE(data.length, 4);
    return Buffer.concat([header, tag, data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
  };
  const bomb = matrix(deflateSync(Buffer.alloc(32 << 20))); // 32 KiB that inflates to 32 MiB
  assert.ok(bomb.length < 64 << 10);
  const err = await rejects(async () => readMat(bomb, 'faces', { maxInflated: 1 << 20 }), /a compressed element inflates to more than 1048576 bytes/);
  assert.is(err.code, 'EFORMAT');
  const corrupt = deflateSync(Buffer.alloc(1000, 1));
  corrupt[5] ^= 0xff;
  assert.is((await rejects(async () => readMat(matrix(corrupt), 'faces'), /compressed element is corrupt or truncated/)).code, 'EFORMAT');
  assert.equal(readMat(files['olivettifaces.mat'], 'faces').shape, [4096, 2], 'the real file is within the default limit');
});

test('a tar entry that escapes the folder is refused', async () => {
  const evil = tar({ '../../escape.txt': Buffer.from('x') });
  await rejects(async () => extractTar(evil, join(cache(), 'out')), /outside .*refused/);
});

test.after(() => new Promise((r) => server.close(r)));
test.run();
