// Data sets: image folders (order, labels, attributes, every bad folder), idx and attribute files, downloads
// against a local server (resume, cancel, corrupt), the built-in synthetic faces, and the real sets in
// ../shared/datasets with the anchors' exact preprocessing (skipped, saying so, when absent).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { FACE_ATTRIBUTES, gunzip, idxImages, loadIdx, parseAttributes, readIdx, syntheticFaces } from '../dist/index.js';
import { DATASETS, fetchFile, loadImageFolder } from '../dist/node.js';
import { rejects } from './helpers/util.mjs';
import { loadShared, SHARED, skipShared } from './helpers/shared.mjs';

const sha = (b) => createHash('sha256').update(b).digest('hex');
const tmp = (name) => mkdtempSync(join(tmpdir(), `gaussface-${name}-`));
const png = (value, width = 8, height = 6) => sharp({ create: { width, height, channels: 3, background: { r: value, g: value, b: value } } }).png().toBuffer();
const put = async (dir, rel, bytes) => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), await bytes);
};

// cats/{b,a}.png, dogs/{é,Z}.png, plus things that are not images or are hidden.
const zoo = tmp('zoo');
await put(zoo, 'cats/b.png', png(80));
await put(zoo, 'cats/a.png', png(40));
await put(zoo, 'dogs/é.png', png(160));
await put(zoo, 'dogs/Z.png', png(120));
await put(zoo, '.hidden/x.png', png(0));
await put(zoo, 'dogs/._Z.png', Buffer.from('AppleDouble junk'));
await put(zoo, 'notes.txt', Buffer.from('not an image'));

test('a folder loads in byte order with labels from sub-folders; hidden files and non-images are skipped', async () => {
  const progress = [];
  const d = await loadImageFolder(zoo, { onProgress: (done, total) => progress.push([done, total]) });
  assert.equal(d.files.map((f) => f.slice(zoo.length + 1)), ['cats/a.png', 'cats/b.png', 'dogs/Z.png', 'dogs/é.png']);
  assert.equal([d.X.rows, d.X.cols], [4, 48]);
  assert.equal(d.spec, { width: 8, height: 6, channels: 1 });
  assert.equal(Array.from({ length: 4 }, (_, i) => Math.round(d.X.get(i, 0) * 255)), [40, 80, 120, 160]);
  assert.equal(d.labelNames, ['cats', 'dogs']);
  assert.equal(Array.from(d.labels), [0, 0, 1, 1]);
  assert.equal(progress.at(-1), [4, 4]);
  assert.is(progress.length, 4);
  const one = await loadImageFolder(zoo, { concurrency: 1 });
  assert.equal(Array.from(one.X.data), Array.from(d.X.data), 'concurrency does not change the rows');
  const rgb = await loadImageFolder(zoo, { channels: 3, size: [4, 2], limit: 3, labels: 'none' });
  assert.equal([rgb.X.rows, rgb.X.cols, rgb.labels], [3, 4 * 2 * 3, undefined]);
  assert.equal(rgb.spec, { width: 4, height: 2, channels: 3 });
  const only = await loadImageFolder(join(zoo, 'cats'), { labels: 'subfolders' });
  assert.equal([only.labelNames, Array.from(only.labels)], [['.'], [0, 0]]);
  assert.is((await loadImageFolder(join(zoo, 'cats'))).labels, undefined, 'one folder: no labels unless asked');
});

test('an attribute list (CelebA format) is matched to the images by file name', async () => {
  const attrs = join(zoo, 'attrs.txt');
  const rows = ['a.png  1 -1', 'b.png -1 -1', 'Z.png  1  1', 'é.png -1  1', 'unused.png 1 1'];
  writeFileSync(attrs, ['202599', 'Smiling Eyeglasses ', ...rows, ''].join('\r\n'));
  const d = await loadImageFolder(zoo, { attributes: attrs });
  assert.equal(d.attributes.names, ['Smiling', 'Eyeglasses']);
  assert.equal(Array.from(d.attributes.values.data), [1, 0, 0, 0, 1, 1, 0, 1]);
  writeFileSync(attrs, ['Smiling Eyeglasses', ...rows.slice(1)].join('\n'));
  await rejects(() => loadImageFolder(zoo, { attributes: attrs }), /cats\/a.png has no row in the attributes file/);
  writeFileSync(attrs, ['Smiling Eyeglasses', ...rows, rows[0]].join('\n'));
  await rejects(() => loadImageFolder(zoo, { attributes: attrs }), /lists a.png twice/);
  await rejects(() => loadImageFolder(zoo, { attributes: join(zoo, 'none.txt') }), /cannot read the attributes file/);
});

test('bad folders: missing, not a folder, empty, mixed sizes, a corrupt JPEG, cancelled', async () => {
  await rejects(() => loadImageFolder(join(zoo, 'nope')), /nope: no such folder/);
  await rejects(() => loadImageFolder(join(zoo, 'notes.txt')), /notes.txt: not a folder/);
  await rejects(() => loadImageFolder(zoo, { recursive: false }), /no images found .*at the top level/);
  const mixed = tmp('mixed');
  await put(mixed, '1.png', png(10, 8, 6));
  await put(mixed, '2.png', png(10, 8, 6));
  await put(mixed, '3.png', png(10, 10, 6));
  const err = await rejects(() => loadImageFolder(mixed), /images have different sizes: .*1.png is 8×6 but .*3.png is 10×6; pass --size/);
  assert.is(err.code, 'EINPUT');
  assert.is((await loadImageFolder(mixed, { size: 5 })).X.cols, 25);
  const broken = tmp('broken');
  await put(broken, 'good.jpg', sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).jpeg().toBuffer());
  await put(broken, 'bad.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1, 1, 0, 0, 1]));
  await rejects(() => loadImageFolder(broken), /cannot read image .*bad.jpg: .*remove or replace the file/);
  const ac = new AbortController();
  ac.abort();
  assert.is((await rejects(() => loadImageFolder(zoo, { signal: ac.signal }), /cancelled/)).code, 'EABORT');
  await rejects(() => loadImageFolder(zoo, { limit: 0 }), /limit must be an integer ≥ 1/);
});

const idx = (dims, data) => {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 8;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([h, Buffer.from(data)]));
};

test('idx files, gzipped or not; attribute lists; each malformed file named', async () => {
  const raw = idx([2, 2, 3], [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6]);
  const gz = new Uint8Array(gzipSync(raw));
  for (const file of [raw, gz]) {
    const parsed = await loadIdx(file);
    assert.equal(parsed.shape, [2, 2, 3]);
    const X = idxImages(parsed);
    assert.equal([X.rows, X.cols], [2, 6]);
    assert.is(X.get(0, 5), 1);
  }
  assert.equal(Array.from(await gunzip(gz)), Array.from(raw));
  await rejects(async () => readIdx(gz), /gzip-compressed; use loadIdx/);
  await rejects(async () => readIdx(raw.subarray(0, raw.length - 1)), /needs 12 bytes of data, the file has 11 \(truncated\?\)/);
  await rejects(async () => readIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0)), /element type 0xd is not unsigned bytes/);
  await rejects(async () => readIdx(Uint8Array.of(1, 2, 8, 1)), /bad magic number/);
  assert.is((await rejects(() => gunzip(gz.subarray(0, 15)), /gzip data is corrupt or truncated/)).code, 'EFORMAT');
  await rejects(() => gunzip(raw), /not gzip data/);
  const a = parseAttributes('3\nA B\n\nx.jpg 1 -1\r\ny.jpg -1 1\n');
  assert.equal([a.names, a.files, Array.from(a.values.data)], [['A', 'B'], ['x.jpg', 'y.jpg'], [1, 0, 0, 1]]);
  await rejects(async () => parseAttributes('A B\nx.jpg 1\n'), /line 2: 1 values for 2 attributes/);
  await rejects(async () => parseAttributes('A B\nx.jpg 1 yes\n'), /value 'yes' for B is not 1 or -1/);
  await rejects(async () => parseAttributes('\n\n'), /no header line/);
});

// A local server (127.0.0.1, never the internet) that honours Range, can stream slowly, or answer 206 wrongly.
const payload = new Uint8Array(Array.from({ length: 200_000 }, (_, i) => (i * 7 + (i >> 8)) % 251));
const good = { name: 'blob.bin', url: 'unused', sha256: sha(payload) };
const requests = [];
let mode = 'normal';
const server = createServer(async (req, res) => {
  requests.push(req.headers.range ?? null);
  const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
  if (start >= payload.length) return void res.writeHead(416, { 'content-range': `bytes */${payload.length}` }).end();
  if (mode === 'wrong-offset') return void res.writeHead(206, { 'content-range': `bytes 0-${payload.length - 1}/${payload.length}` }).end(payload);
  res.writeHead(start ? 206 : 200, { 'content-length': payload.length - start, ...(start ? { 'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}` } : {}) });
  if (mode !== 'slow') return void res.end(payload.subarray(start));
  for (let at = start; at < payload.length && !res.destroyed; at += 10_000) {
    res.write(payload.subarray(at, at + 10_000));
    await new Promise((r) => setTimeout(r, 30));
  }
  res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const baseUrl = `http://127.0.0.1:${server.address().port}`;

test('a partial download resumes with a Range request; a complete partial file is just verified', async () => {
  mode = 'normal';
  const dest = join(tmp('dl'), good.name);
  writeFileSync(dest + '.part', payload.subarray(0, 12345));
  requests.length = 0;
  await fetchFile(good, dest, { baseUrl });
  assert.equal(requests, ['bytes=12345-']);
  assert.is(sha(readFileSync(dest)), good.sha256);
  assert.not.ok(existsSync(dest + '.part'));
  const again = join(tmp('dl'), good.name);
  writeFileSync(again + '.part', payload);
  await fetchFile(good, again, { baseUrl }); // the server answers 416: nothing left to fetch
  assert.is(sha(readFileSync(again)), good.sha256);
});

test('a cancelled download leaves no final file, keeps its partial file, and resumes later', async () => {
  mode = 'slow';
  const dest = join(tmp('dl'), good.name);
  const ac = new AbortController();
  const err = await rejects(() => fetchFile(good, dest, { baseUrl, signal: ac.signal, onProgress: (_, got) => got >= 30_000 && ac.abort() }), /cancelled at \d+ bytes; the partial file is kept/);
  assert.is(err.code, 'EABORT');
  assert.not.ok(existsSync(dest));
  const kept = statSync(dest + '.part').size;
  assert.ok(kept >= 30_000 && kept < payload.length, `partial file of ${kept} bytes`);
  mode = 'normal';
  requests.length = 0;
  await fetchFile(good, dest, { baseUrl });
  assert.equal(requests, [`bytes=${kept}-`]);
  assert.is(sha(readFileSync(dest)), good.sha256);
});

test('a checksum mismatch (even after a resume) or a wrong resume offset removes the partial file', async () => {
  mode = 'normal';
  const dest = join(tmp('dl'), good.name);
  writeFileSync(dest + '.part', new Uint8Array(5000).fill(9)); // a stale partial file from another version
  const err = await rejects(() => fetchFile(good, dest, { baseUrl }), /checksum mismatch for blob.bin: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}; the corrupt download was removed/);
  assert.is(err.code, 'EFORMAT');
  assert.not.ok(existsSync(dest) || existsSync(dest + '.part'));
  mode = 'wrong-offset';
  writeFileSync(dest + '.part', payload.subarray(0, 100));
  await rejects(() => fetchFile(good, dest, { baseUrl }), /resumed at the wrong offset .*removed, try again/);
  assert.not.ok(existsSync(dest) || existsSync(dest + '.part'));
  mode = 'normal';
  await rejects(() => fetchFile(good, dest, { baseUrl: 'http://127.0.0.1:9' }), /cannot download blob.bin from http:\/\/127.0.0.1:9\/blob.bin/);
});

test('the download table: one place, well-formed, and Fashion-MNIST checksums match the shared copies', () => {
  for (const [set, files] of Object.entries(DATASETS))
    for (const f of files) {
      assert.match(f.url, /^https?:\/\/[^/]+\//, `${set} ${f.name}`);
      assert.match(f.sha256, /^[0-9a-f]{64}$/, `${set} ${f.name}`);
    }
  if (skipShared('fashion_mnist')) return;
  for (const f of DATASETS['fashion-mnist']) assert.is(sha(readFileSync(`${SHARED}fashion_mnist/${f.name}`)), f.sha256, f.name);
});

test('synthetic faces: the same bytes for a seed in every runtime, known attributes that show in the pixels', () => {
  const a = syntheticFaces({ n: 20, size: 32, seed: 1 });
  // Golden values (also computed in Deno): only exact arithmetic goes into the pixels.
  assert.is(sha(new Uint8Array(a.X.data.buffer)), 'f204af6d2c3601ef534a8129652f605afd82fcd7ce8630da8014fb4d8223fbe5');
  assert.is(sha(new Uint8Array(syntheticFaces({ n: 20, size: 32, seed: 1, channels: 3 }).X.data.buffer)), 'd790dfc96d151446d6d685b0ff766d0b094fa4393604662aa6349e9321f48f61');
  assert.not.equal(Array.from(syntheticFaces({ n: 20, size: 32, seed: 2 }).X.data), Array.from(a.X.data));
  assert.ok(a.X.data.every((v) => v >= 0 && v <= 1));
  assert.equal(a.attributes.names, [...FACE_ATTRIBUTES]);
  const faces = syntheticFaces({ n: 400, size: 32, seed: 3 });
  const V = faces.attributes.values;
  for (let j = 0; j < V.cols; j++) {
    const col = Array.from({ length: V.rows }, (_, i) => V.get(i, j));
    assert.ok(col.every((v) => v >= 0 && v <= 1) && Math.max(...col) - Math.min(...col) > 0.5, FACE_ATTRIBUTES[j]);
  }
  // Smiling moves the mouth; glasses darken the eye band: compare mean pixels of those regions by attribute.
  const region = (i, r0, r1, c0, c1) => {
    let s = 0;
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += faces.X.get(i, r * 32 + c);
    return s / ((r1 - r0) * (c1 - c0));
  };
  const gap = (attr, r0, r1, c0, c1) => {
    const m = [0, 1].map((v) => {
      const rows = Array.from({ length: V.rows }, (_, i) => i).filter((i) => V.get(i, attr) === v);
      return rows.reduce((s, i) => s + region(i, r0, r1, c0, c1), 0) / rows.length;
    });
    return m[1] - m[0];
  };
  assert.ok(gap(0, 20, 21, 13, 19) > 0.05 && gap(0, 22, 23, 13, 19) < -0.05, 'a smile moves the middle of the mouth down');
  assert.ok(gap(1, 13, 17, 6, 26) < -0.02, 'glasses darken the eye band');
  for (const bad of [{ n: 0 }, { size: 4 }, { channels: 2 }]) assert.throws(() => syntheticFaces(bad), /syntheticFaces: /);
});

test('olivetti (shared): 340 faces in person order, the anchors\' exact pixels, mean 0.518405, split 272 / 68', async () => {
  if (skipShared('olivetti')) return;
  const d = await loadShared('olivetti');
  assert.equal([d.X.rows, d.X.cols], [340, 4096]);
  assert.match(d.files[0], /person_00\/person_00_0.png$/);
  assert.is(d.labelNames.length, 40);
  assert.ok(d.labels.every((l, i) => i === 0 || l >= d.labels[i - 1]), 'person order');
  const mean = d.X.data.reduce((a, b) => a + b, 0) / d.X.data.length;
  assert.ok(Math.abs(mean - 0.518405) < 1e-4, `mean pixel ${mean}`);
  assert.is(sha(Uint8Array.from(d.X.data, (v) => Math.round(v * 255))), 'a1814274dbe75ba09858ffa59eac1b49e33ab32bc8ff028f4001191fe4f15522');
  assert.equal([d.train.rows, d.test.rows, d.testIndex[0]], [272, 68, 4]);
});

// sha256 of the first 300 rows of the anchors' uint8 stacks (../shared/anchors/python/faces.py, Pillow 9.4).
const FIRST_300 = {
  lfw: '70df0da519eb65127647a982b355bdfae35319a87c065c6d846df6d8341a7079',
  celeba: '31b96abe41015b51f2b59362140d39fd5c61d1513a13737ee67832a145544aef',
};

test('LFW (shared): 150×150 RGB files; 64×64 gray rows equal to Pillow\'s', async () => {
  if (skipShared('lfw')) return;
  const first = await loadImageFolder(SHARED + 'lfw', { channels: 3, limit: 1 });
  assert.equal(first.spec, { width: 150, height: 150, channels: 3 });
  assert.match(first.files[0], /AJ_Lamas_0001.jpg$/);
  const d = await loadShared('lfw', { limit: 300 });
  assert.is(sha(Uint8Array.from(d.X.data, (v) => Math.round(v * 255))), FIRST_300.lfw);
});

test('CelebA (shared): 40 attributes, Smiling is the 32nd (1-based), rows aligned with the images', async () => {
  if (skipShared('celeba')) return;
  const table = parseAttributes(readFileSync(SHARED + 'celeba/attributes.txt', 'utf8'));
  assert.is(table.names.length, 40);
  assert.equal([table.names[31], table.names[20], table.names[15]], ['Smiling', 'Male', 'Eyeglasses']);
  assert.is(table.files.length, 6375);
  assert.is(Array.from({ length: table.values.rows }, (_, i) => table.values.get(i, 31)).reduce((a, b) => a + b, 0), 3058);
  const d = await loadShared('celeba', { limit: 300 });
  assert.equal([d.X.rows, d.attributes.values.rows, d.attributes.names[31]], [300, 300, 'Smiling']);
  assert.is(d.attributes.values.get(0, 31), 1, '000001.jpg is smiling');
  const row = table.files.indexOf('000300.jpg');
  const k = d.files.findIndex((f) => f.endsWith('000300.jpg'));
  assert.equal(Array.from(d.attributes.values.row(k)), Array.from(table.values.row(row)));
  assert.is(sha(Uint8Array.from(d.X.data, (v) => Math.round(v * 255))), FIRST_300.celeba);
});

test('flowers (shared): five classes of 200 from the sub-folders', async () => {
  if (skipShared('flowers')) return;
  const d = await loadShared('flowers', { size: 32 });
  assert.equal(d.labelNames, ['daisy', 'dandelion', 'rose', 'sunflower', 'tulip']);
  assert.equal([d.X.rows, d.X.cols], [1000, 32 * 32 * 3]);
  assert.equal(Array.from({ length: 5 }, (_, c) => d.labels.filter((l) => l === c).length), [200, 200, 200, 200, 200]);
});

test('Fashion-MNIST (shared): gzipped idx files, 28×28 images and labels', async () => {
  if (skipShared('fashion_mnist')) return;
  const d = await loadShared('fashion_mnist');
  assert.equal([d.train.rows, d.train.cols, d.test.rows, d.test.cols], [10000, 784, 10000, 784]);
  assert.equal(Array.from({ length: 10 }, (_, c) => d.trainLabels.filter((l) => l === c).length), [942, 1027, 1016, 1019, 974, 989, 1021, 1022, 990, 1000]);
  assert.ok(d.testLabels.every((l) => l < 10));
  assert.ok(d.train.data.every((v) => v >= 0 && v <= 1));
});

test.after(() => new Promise((r) => server.close(r)));
test.run();
