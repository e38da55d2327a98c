// Memory regressions: copies of the rows. (1) Peak memory of a fit against the size of its data: a child process
// (so that nothing else in this one counts) fits a randomized PCA to 2400 × 4096 rows (37.5 MiB of f32) on two
// workers and reports its peak RSS above the RSS before the data existed, in units of the data's bytes. The rows
// are held once in the calling thread and once across the workers; the rest is the sketch's scratch and results
// that wait for the garbage collector. Measured (2 cores, shared): 3.8×; with the centred copy that the workers
// used to keep, 4.5× (GAUSSFACE_DIST=<folder> runs it on another build). Linux only (peak RSS from
// /proc/self/status, reset through /proc/self/clear_refs). (2) generate() on 2400 × 4096 synthetic faces sends the
// rows to the workers once (the variance sketch, the chosen-size PCA fit and the projection all use one upload;
// it used to send them three times, growing every worker's engine memory for good) and peaks below a bound
// relative to its data: measured 5.5–6.4× (2 cores, shared; the mixture fits' statistics and garbage come on top
// of the two copies of the rows), 6.0–6.8× with three uploads. (3) A train/held-out split of a folder decodes each
// part into its own matrix, never the full set first. (4) generate() on an opened folder decodes it chunk by chunk
// into the workers (the calling thread never holds all rows: `gaussface fit`'s path) and fits the same bits.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generate, ImageModel, syntheticFaces } from '../dist/index.js';
import { loadImageFolder, nodeCodec, openImageFolder } from '../dist/node.js';

const DIST = process.env.GAUSSFACE_DIST ?? fileURLToPath(new URL('../dist', import.meta.url));

/** Runs a child of test/memory/ on DIST and returns its JSON line, with the peak logged; undefined without /proc. */
function peakOf(child, label) {
  if (!existsSync('/proc/self/clear_refs')) {
    console.log('  skipped: needs Linux /proc (peak RSS and its reset)');
    return undefined;
  }
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`./memory/${child}`, import.meta.url)), DIST], { encoding: 'utf8', timeout: 120000 });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const mib = (x) => (x / 2 ** 20).toFixed(0);
  console.log(`  ${label}: peak ${mib(out.peak)} MiB, idle ${mib(out.base)} MiB, data ${mib(out.bytes)} MiB: ${out.ratio.toFixed(2)}× the data`);
  return out;
}

const PCA_BOUND = 4.2;
test(`a randomized PCA fit peaks below ${PCA_BOUND}× its data's bytes above the idle process`, () => {
  const out = peakOf('pca-peak.mjs', 'PCA fit');
  if (out) assert.ok(out.ratio < PCA_BOUND, `peak RSS is ${out.ratio.toFixed(2)}× the data above the idle process (bound ${PCA_BOUND}×): something keeps another copy of the rows`);
});

const GENERATE_BOUND = 7.2;
test(`generate() sends the images to the workers once and peaks below ${GENERATE_BOUND}× their bytes`, () => {
  const out = peakOf('generate-peak.mjs', 'generate()');
  if (!out) return;
  assert.is(out.uploaded, 1, `generate() uploaded the images ${out.uploaded} times: each upload grows the workers' engine memory for good; fit and project on one Dataset`);
  assert.ok(out.ratio < GENERATE_BOUND, `peak RSS is ${out.ratio.toFixed(2)}× the data above the idle process (bound ${GENERATE_BOUND}×)`);
});

test('a folder split is decoded straight into its rows: the images it leaves out are never read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaussface-split-'));
  try {
    const { X } = syntheticFaces({ n: 10, size: 16, seed: 3 });
    for (let i = 0; i < 10; i++) writeFileSync(join(dir, `f${i}.png`), await nodeCodec.encodePng({ data: X.row(i), width: 16, height: 16, channels: 1 }));
    const all = await loadImageFolder(dir);
    writeFileSync(join(dir, 'f4.png'), 'not a png'); // held out below: decoding it would fail
    const train = await loadImageFolder(dir, { rows: (i) => i % 5 !== 4 });
    assert.is(train.X.rows, 8);
    assert.equal(train.files.map((f) => f.slice(dir.length + 1)), ['f0.png', 'f1.png', 'f2.png', 'f3.png', 'f5.png', 'f6.png', 'f7.png', 'f8.png']);
    [0, 1, 2, 3, 5, 6, 7, 8].forEach((src, k) => assert.equal(train.X.row(k), all.X.row(src)));
    let err;
    await loadImageFolder(dir, { rows: () => false }).catch((e) => (err = e));
    assert.match(err?.message ?? '', /rows selects none of its 10 images/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('generate() on an opened folder decodes it chunk by chunk into the workers and fits the same model as on its rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaussface-open-'));
  try {
    const { X } = syntheticFaces({ n: 300, size: 64, seed: 5 });
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, `f${String(i).padStart(3, '0')}.png`), await nodeCodec.encodePng({ data: X.row(i), width: 64, height: 64, channels: 1 }));
    const opts = { pcaComponents: 12, nComponents: 3, covarianceType: 'diag', nSamples: 4, randomState: 0 };
    const folder = await openImageFolder(dir, { onProgress: (done, total) => progress.push([done, total]) });
    const progress = [];
    const ranges = [];
    const source = { rows: folder.rows, cols: folder.cols, read: (a, b) => (ranges.push(b - a), folder.read(a, b)) };
    const streamed = await generate(source, opts);
    const rows = (await loadImageFolder(dir)).X;
    const inMemory = await generate(rows, opts);
    const model = (r) => Buffer.from(new ImageModel(folder.spec, r.pca, r.model).toBytes());
    assert.ok(model(streamed).equals(model(inMemory)), 'same model file bytes');
    assert.ok(ranges.length > 1 && Math.max(...ranges) < 300, `read in chunks (${ranges.join(', ')} rows), never all at once`);
    assert.equal(progress.at(-1), [300, 300], 'progress counts each image once');
    // A corrupt file met during the upload: the error names it, and the pool carries on.
    writeFileSync(join(dir, 'f150.png'), 'not a png');
    let err;
    await generate(await openImageFolder(dir), opts).catch((e) => (err = e));
    assert.is(err?.code, 'EINPUT');
    assert.match(err.message, /cannot read image .*f150\.png/);
    assert.ok(model(await generate(rows, opts)).equals(model(inMemory)), 'the pool fits the same model afterwards');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
