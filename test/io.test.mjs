// Images in and out: Pillow's luma and bilinear resize bit for bit, cover/contain/fill framing, PNG round trips,
// corrupt files, contact sheets with captions, the same rows in Chromium as in Node, atomic file writes, and
// the rule that the runtime-neutral bundle never imports node: modules or sharp.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { GaussfaceError, Matrix, fitTo, luma, resize } from '../dist/index.js';
import { imageGrid, loadImageFolder, nodeCodec, saveFileAtomic } from '../dist/node.js';
import { withChromiumPage } from './runtime/run-chromium.mjs';
import { rejects, rng } from './helpers/util.mjs';

const dir = mkdtempSync(join(tmpdir(), 'gaussface-io-'));
const bytesOf = (img) => Uint8Array.from(img.data, (v) => Math.round(v * 255));
const floatsOf = (u8) => Float32Array.from(u8, (v) => v / 255);
const randomBytes = (n, seed) => {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
};
/** A lossless PNG of random pixels. */
const randomPng = (width, height, channels, seed) => nodeCodec.encodePng({ data: floatsOf(randomBytes(width * height * channels, seed)), width, height, channels });

test('gray conversion and resizing are Pillow\'s, bit for bit (skipped without Python + Pillow)', async () => {
  if (spawnSync('/usr/bin/python3', ['-c', 'import PIL'], { stdio: 'ignore' }).status !== 0) {
    console.log('  skipped: /usr/bin/python3 with Pillow is not installed (the bit-exactness check needs it)');
    return;
  }
  const png = join(dir, 'random.png');
  writeFileSync(png, await randomPng(37, 23, 3, 1));
  const ops = [['L', 16, 16, 'fill'], ['L', 64, 40, 'fill'], ['RGB', 10, 7, 'fill'], ['L', 37, 23, 'fill'], ['L', 12, 12, 'cover'], ['RGB', 20, 9, 'cover'], ['L', 5, 30, 'cover'], ['L', 16, 16, 'contain'], ['RGB', 9, 20, 'contain'], ['L', 100, 3, 'contain']];
  const r = spawnSync('/usr/bin/python3', [new URL('./helpers/pillow_resize.py', import.meta.url).pathname], { input: JSON.stringify({ png, ops }) });
  assert.is(r.status, 0, r.stderr?.toString());
  const expected = JSON.parse(r.stdout.toString());
  const file = readFileSync(png);
  for (const [k, [mode, width, height, fit]] of ops.entries()) {
    const img = await nodeCodec.decode(file, { width, height, channels: mode === 'L' ? 1 : 3, fit });
    assert.is(Buffer.from(bytesOf(img)).toString('hex'), expected[k], `${mode} ${width}×${height} ${fit}`);
  }
});

test('cover crops the centre, contain letterboxes on black, fill stretches; crop keeps the centre fraction', () => {
  const img = { data: Uint8Array.of(10, 20, 30, 40, 50, 60, 70, 80), width: 4, height: 2, channels: 1 };
  assert.equal(Array.from(fitTo(img, 2, 2, 'cover').data), [20, 30, 60, 70]);
  const boxed = fitTo(img, 4, 4, 'contain');
  assert.equal(Array.from(boxed.data.subarray(0, 4)), [0, 0, 0, 0]);
  assert.equal(Array.from(boxed.data.subarray(4, 12)), Array.from(img.data));
  assert.equal(Array.from(boxed.data.subarray(12)), [0, 0, 0, 0]);
  assert.equal([fitTo(img, 3, 5, 'fill').width, fitTo(img, 3, 5, 'fill').height], [3, 5]);
  assert.is(fitTo(img, 4, 2, 'cover'), img, 'already the right size: untouched');
  assert.equal(Array.from(luma({ data: Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255), width: 4, height: 1, channels: 3 }).data), [76, 150, 29, 255]);
  // A constant image stays constant through any resize (the weights sum to one).
  const flat = { data: new Uint8Array(13 * 7).fill(200), width: 13, height: 7, channels: 1 };
  for (const [w, h] of [[5, 3], [40, 21], [1, 1]]) assert.ok(resize(flat, w, h).data.every((v) => v === 200), `${w}×${h}`);
});

test('PNG round trips are lossless; gray files, alpha, 16-bit and JPEG decode as expected', async () => {
  for (const channels of [1, 3]) {
    const px = randomBytes(9 * 5 * channels, 2 + channels);
    const back = await nodeCodec.decode(await nodeCodec.encodePng({ data: floatsOf(px), width: 9, height: 5, channels }), { channels });
    assert.equal([back.width, back.height, back.channels], [9, 5, channels]);
    assert.equal(Array.from(bytesOf(back)), Array.from(px));
  }
  const gray = randomBytes(6 * 4, 5);
  const grayPng = await sharp(gray, { raw: { width: 6, height: 4, channels: 1 } }).png().toBuffer();
  const rgb = await nodeCodec.decode(grayPng, { channels: 3 });
  assert.ok(rgb.data.every((v, i) => v === rgb.data[i - (i % 3)]), 'a gray file as RGB repeats the gray value');
  const rgba = await sharp({ create: { width: 3, height: 3, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 0.5 } } }).png().toBuffer();
  assert.equal(Array.from(bytesOf(await nodeCodec.decode(rgba, { channels: 3 })).subarray(0, 3)), [200, 100, 50], 'alpha is dropped, colour kept');
  const deep = await sharp(gray, { raw: { width: 6, height: 4, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  const deepBack = bytesOf(await nodeCodec.decode(deep));
  assert.ok(deepBack.every((v, i) => Math.abs(v - gray[i]) <= 1), '16-bit PNGs scale to 8 bits');
  const jpeg = await sharp({ create: { width: 20, height: 10, channels: 3, background: { r: 30, g: 160, b: 90 } } }).jpeg({ quality: 95 }).toBuffer();
  const j = await nodeCodec.decode(jpeg, { size: 8 });
  assert.equal([j.width, j.height, j.channels], [8, 8, 1]);
  assert.ok(j.data.every((v) => Math.abs(v * 255 - (0.299 * 30 + 0.587 * 160 + 0.114 * 90)) < 3));
  const cropped = await nodeCodec.decode(await randomPng(10, 10, 1, 9), { crop: 0.6 });
  assert.equal([cropped.width, cropped.height], [6, 6]);
});

test('corrupt images and bad options are GaussfaceErrors that say what is wrong', async () => {
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: 'red' } }).jpeg().toBuffer();
  for (const bad of [new Uint8Array(0), Uint8Array.of(1, 2, 3), jpeg.subarray(0, 20), randomBytes(500, 3)]) {
    const err = await rejects(() => nodeCodec.decode(bad), /cannot decode image/);
    assert.ok(err instanceof GaussfaceError);
    assert.is(err.code, 'EINPUT');
  }
  await rejects(() => nodeCodec.decode(jpeg, { width: 0, height: 4 }), /width must be an integer from 1/);
  await rejects(() => nodeCodec.decode(jpeg, { width: 4 }), /height must be an integer/);
  await rejects(() => nodeCodec.decode(jpeg, { size: 4, fit: 'zoom' }), /fit must be 'cover', 'contain' or 'fill'/);
  await rejects(() => nodeCodec.decode(jpeg, { channels: 2 }), /channels must be 1 or 3/);
  await rejects(() => nodeCodec.decode(jpeg, { crop: 1.5 }), /crop must be a fraction/);
  await rejects(() => nodeCodec.encodePng({ data: new Float32Array(5), width: 2, height: 2, channels: 1 }), /2×2×1 pixels need 4 values, got 5/);
});

test('imageGrid: layout, scale, captions, Matrix or arrays; wrong sizes named', async () => {
  const [w, h] = [5, 3];
  const images = [0, 0.5, 1].map((v) => new Float32Array(w * h).fill(v));
  const png = await imageGrid(images, { width: w, height: h, channels: 1, cols: 2, pad: 1, scale: 2 });
  const g = await nodeCodec.decode(png);
  assert.equal([g.width, g.height], [1 + 2 * (2 * w + 1), 1 + 2 * (2 * h + 1)]);
  const at = (x, y) => g.data[y * g.width + x];
  assert.equal([at(0, 0), at(1, 1), at(1 + 2 * w + 1, 1), at(1, 1 + 2 * h + 1), at(g.width - 2, g.height - 2)], [1, 0, Math.fround(128 / 255), 1, 1]);
  const X = new Matrix(3, w * h * 3, new Float32Array(3 * w * h * 3).fill(0.2));
  const captioned = await nodeCodec.decode(await imageGrid(X, { width: w, height: h, channels: 3, cols: 3, scale: 4, captions: ['a', 'Wg', '0.5'] }), { channels: 1 });
  const band = captioned.data.subarray((2 + 4 * h) * captioned.width, (2 + 4 * h + 14) * captioned.width);
  assert.ok(band.some((v) => v < 0.5), 'caption text is drawn under the images');
  await rejects(() => imageGrid([new Float32Array(4)], { width: w, height: h, channels: 1 }), /image 0 has 4 values, a 5×3×1 image has 15/);
  await rejects(() => imageGrid([], { width: w, height: h, channels: 1 }), /non-empty/);
  await rejects(() => imageGrid(images, { width: w, height: h, channels: 1, scale: 0.5 }), /scale must be an integer/);
});

test('browsers decode to the same rows as Node (headless Chromium)', async () => {
  const jpeg = await sharp(randomBytes(40 * 30 * 3, 11), { raw: { width: 40, height: 30, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const png = await randomPng(23, 17, 3, 12);
  const cases = [[jpeg, { size: 16 }], [jpeg, { width: 20, height: 12, channels: 3, fit: 'contain' }], [png, { width: 9, height: 9, fit: 'fill' }], [png, { channels: 3 }]];
  const node = await Promise.all(cases.map(async ([b, o]) => Array.from(bytesOf(await nodeCodec.decode(b, o)))));
  const browser = await withChromiumPage('web-demo/index.html', {}, (tab) =>
    tab.evaluate(async (cases) => {
      const { browserCodec } = await import('/dist/index.js');
      const out = [];
      for (const [b, o] of cases) out.push(Array.from((await browserCodec.decode(Uint8Array.from(b), o)).data, (v) => Math.round(v * 255)));
      return out;
    }, cases.map(([b, o]) => [Array.from(b), o])),
  );
  cases.forEach((_, k) => assert.equal(browser[k], node[k], `case ${k}`));
});

test('saveFileAtomic writes or leaves the old file; failures are named and leave no temporary file', async () => {
  const path = join(dir, 'sub', 'model.bin');
  await saveFileAtomic(path, Uint8Array.of(1, 2, 3));
  await saveFileAtomic(path, 'replaced');
  assert.is(readFileSync(path, 'utf8'), 'replaced');
  assert.equal(readdirSync(dirname(path)), ['model.bin']);
  const err = await rejects(() => saveFileAtomic(dirname(path), 'x'), /cannot write .*sub: a folder has that name/);
  assert.is(err.code, 'EIO');
  await rejects(() => saveFileAtomic(join(path, 'inside'), 'x'), /cannot write .*model.bin\/inside/);
  assert.equal(readdirSync(dirname(path)), ['model.bin']);
  // A 64 KiB tmpfs stands in for a full disk (needs root, as on CI).
  const mnt = join(dir, 'tiny');
  mkdirSync(mnt);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status !== 0) {
    console.log('  skipped (disk-full part): cannot mount a small tmpfs here (not root)');
    return;
  }
  try {
    const target = join(mnt, 'model.bin');
    await saveFileAtomic(target, 'old');
    await rejects(() => saveFileAtomic(target, new Uint8Array(1 << 20)), /disk is full/);
    assert.equal(readdirSync(mnt), ['model.bin']);
    assert.is(readFileSync(target, 'utf8'), 'old');
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('image folders: a FIFO, a link to /dev/zero, a broken link or an oversized file is named, never a hang or an unbounded read', async () => {
  const folder = (name) => {
    const d = join(dir, name);
    mkdirSync(d);
    return d;
  };
  const good = await randomPng(8, 8, 1, 3);
  const cases = [];
  if (spawnSync('mkfifo', [join(folder('fifo'), 'b.png')]).status === 0) cases.push(['fifo', /cannot read image .*fifo\/b\.png: it is a FIFO \(named pipe\), not a regular file; remove it/]);
  else console.log('  skipped (FIFO part): mkfifo is not available');
  if (existsSync('/dev/zero')) {
    symlinkSync('/dev/zero', join(folder('zero'), 'b.png'));
    cases.push(['zero', /cannot read image .*zero\/b\.png: it is a device, not a regular file/]);
  }
  symlinkSync(join(dir, 'nowhere.png'), join(folder('broken'), 'b.png'));
  cases.push(['broken', /cannot read image .*broken\/b\.png: a broken symbolic link \(its target does not exist\)/]);
  writeFileSync(join(folder('big'), 'b.png'), new Uint8Array(3000));
  cases.push(['big', /cannot read image .*big\/b\.png: it is larger than 0\.00 MiB, the limit for one image; remove or shrink it/]);
  for (const [name, re] of cases) {
    writeFileSync(join(dir, name, 'a.png'), good);
    const err = await rejects(() => loadImageFolder(join(dir, name), { maxFileBytes: name === 'big' ? 2000 : undefined }), re);
    assert.ok(err instanceof GaussfaceError && err.code === 'EINPUT', name);
  }
  assert.is((await loadImageFolder(join(dir, 'big'), { maxFileBytes: 2000, limit: 1 })).X.rows, 1, 'files under the limit are read');
});

test('truncated or corrupt images say so and name the file, also when many fail at once (libvips says "Unknown error")', async () => {
  const jpeg = await sharp(randomBytes(120 * 90 * 3, 5), { raw: { width: 120, height: 90, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
  const messages = await Promise.all(Array.from({ length: 48 }, (_, i) => nodeCodec.decode(jpeg.subarray(0, Math.floor((jpeg.length * ((i % 8) + 1)) / 9)), { size: 16 }).then(() => 'decoded', (e) => e.message)));
  for (const m of messages) assert.match(m, /^cannot decode image: the file is truncated or corrupt( \((?!Unknown error).+\))?$/);
  await rejects(() => nodeCodec.decode(Buffer.from('plain text, not an image')), /not an image format gaussface reads/);
  const d = join(dir, 'truncated');
  mkdirSync(d);
  writeFileSync(join(d, 'a.jpg'), jpeg);
  writeFileSync(join(d, 'b.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  await rejects(() => loadImageFolder(d), /cannot read image .*truncated\/b\.jpg: the file is truncated or corrupt.* \(remove or replace the file\)/);
});

test('saveFileAtomic removes temporary files of killed writers (dead PIDs) next to the target, and nothing else', async () => {
  const d = join(dir, 'stale');
  mkdirSync(d);
  const target = join(d, 'v.safetensors');
  // A writer SIGKILLed half-way through: its temporary file, named as saveFileAtomic names them, stays behind.
  const killed = spawnSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(target)} + '.tmp-' + process.pid + '-0123456789ab', 'half'); process.kill(process.pid, 'SIGKILL')`]);
  assert.is(killed.signal, 'SIGKILL');
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']); // a writer still at work
  const keep = [`v.safetensors.tmp-${live.pid}-abcdefabcdef`, `v.safetensors.tmp-${process.pid}-abcdefabcdef`, 'v.safetensors.tmp-1-notours', 'other.bin.tmp-999999999-0123456789ab', 'v.safetensors.part'];
  try {
    for (const k of keep) writeFileSync(join(d, k), 'x');
    assert.is(readdirSync(d).length, keep.length + 1);
    await saveFileAtomic(target, 'new');
    assert.equal(readdirSync(d).sort(), [...keep, 'v.safetensors'].sort(), 'only the dead writer’s file is gone');
    assert.is(readFileSync(target, 'utf8'), 'new');
  } finally {
    live.kill();
  }
});

test('the runtime-neutral bundle imports no node: module and no sharp', () => {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8');
    for (const [, spec] of src.matchAll(/(?:import|export)\s*(?:[^'"]*?from\s*)?["']([^"']+)["']/g)) {
      assert.not.ok(spec.startsWith('node:') || spec === 'sharp', `dist/${file} imports ${spec}`);
      if (spec.startsWith('./')) visit(spec.slice(2));
    }
    assert.not.match(src, /import\(\s*["'](node:|sharp)/, `dist/${file} imports node: or sharp dynamically`);
  };
  visit('index.js');
  assert.ok(seen.size >= 1 && existsSync(new URL('../dist/node.js', import.meta.url)));
});

test.run();
