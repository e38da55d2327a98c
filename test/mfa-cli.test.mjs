// `gaussface fit --model mfa` end to end on synthetic faces: the model file goes through the ImageModel path and
// info, sample, augment and evaluate work on it; bad flags and hostile files are clear errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeSafetensors, encodeSafetensors, ImageModel, shutdown, syntheticFaces } from '../dist/index.js';

const CLI = new URL('../cli/gaussface.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gaussface-mfa-cli-'));
const run = (...args) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const json = (r) => {
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out);
};
const DATA = ['--data', 'synthetic:150', '--size', '16'];

test('fit --model mfa writes an image model file with mfa.* tensors', () => {
  const r = json(run('fit', ...DATA, '--holdout', '--model', 'mfa', '--components', '3', '--factors', '4', '--max-iter', '30', '--noise-floor', '0.02', '--out', 'mfa.safetensors', '--json'));
  assert.is(r.kind, 'mfa');
  assert.is(r.images, 120);
  assert.is(r.mixtureComponents, 3);
  assert.is(r.factors, 4);
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'mfa.safetensors'))));
  assert.equal(tensors['mfa.factors'].shape, [3, 256, 4]);
  assert.equal(tensors['mfa.noise'].shape, [3, 256]);
  assert.is(metadata['model.kind'], 'mfa');
  assert.is(metadata['mfa.noise_floor'], '0.02');
  assert.is(tensors['pca.mean'], undefined);
});

test('info, sample, augment and evaluate work on the file', async () => {
  const info = json(run('info', 'mfa.safetensors', '--json'));
  assert.is(info.kind, 'mfa');
  assert.is(info.parameters, 3 * (256 * 4 - 6) + 3 * 256 + 3 * 256 + 2);
  json(run('sample', 'mfa.safetensors', '-n', '6', '--temperature', '0.7', '--out', 'grid.png', '--json'));
  const meta = await sharp(join(dir, 'grid.png')).metadata();
  assert.ok(meta.width >= 4 * 16 && meta.height >= 2 * 16, `grid ${meta.width}×${meta.height}`);
  json(run('augment', '--model', 'mfa.safetensors', '-n', '4', '--out', 'aug', '--json'));
  assert.equal(readdirSync(join(dir, 'aug')).sort(), ['synthetic_00000.png', 'synthetic_00001.png', 'synthetic_00002.png', 'synthetic_00003.png']);
  const ev = json(run('evaluate', 'mfa.safetensors', ...DATA, '--samples', '40', '--out', 'pairs.png', '--json'));
  assert.ok(Number.isFinite(ev.heldOutLogLikelihoodPerDim) && ev.heldOutLogLikelihoodPerDim < ev.trainLogLikelihoodPerDim, JSON.stringify(ev));
  assert.ok(ev.medianSampleToTrain > 0 && ev.medianHeldOutToTrain > 0);
  // `score` and the SDK read the same file and give the per-pixel figure evaluate printed for the held-out rows.
  const scored = json(run('score', 'mfa.safetensors', ...DATA, '--json'));
  assert.is(scored.n, 150);
  const model = ImageModel.fromBytes(new Uint8Array(readFileSync(join(dir, 'mfa.safetensors'))));
  assert.is(model.kind, 'mfa');
  assert.throws(() => model.pca, /no PCA/);
  const faces = syntheticFaces({ n: 150, size: 16, seed: 0 }).X;
  assert.ok(Math.abs((await model.score(faces)).logLikelihoodPerPixel - scored.logLikelihoodPerPixel) < 1e-9);
});

test('bad flags and a hostile file are one clear line and exit code 2', () => {
  let r = run('fit', ...DATA, '--model', 'mfa', '--noise-floor', '1', '--out', 'x.safetensors');
  assert.is(r.code, 2);
  assert.match(r.err, /--noise-floor must be .*got 1/);
  r = run('fit', ...DATA, '--model', 'mfa', '--noise', 'full', '--out', 'x.safetensors');
  assert.is(r.code, 2);
  assert.match(r.err, /--noise must be diagonal or isotropic/);
  r = run('fit', ...DATA, '--model', 'mfa', '--pca', '20', '--out', 'x.safetensors');
  assert.is(r.code, 2);
  assert.match(r.err, /belong to the pca-gmm model/);
  r = run('fit', ...DATA, '--model', 'gan', '--out', 'x.safetensors');
  assert.is(r.code, 2);
  assert.match(r.err, /--model must be pca-gmm or mfa/);
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'mfa.safetensors'))));
  const noise = Float64Array.from(tensors['mfa.noise'].data);
  noise[7] = -1;
  writeFileSync(join(dir, 'bad.safetensors'), encodeSafetensors({ ...tensors, 'mfa.noise': { ...tensors['mfa.noise'], data: noise } }, metadata));
  r = run('sample', 'bad.safetensors', '--out', 'bad.png');
  assert.is(r.code, 2);
  assert.match(r.err, /noise variance Ψ must be > 0/);
  writeFileSync(join(dir, 'v1.safetensors'), encodeSafetensors(tensors, { ...metadata, version: '1' }));
  r = run('info', 'v1.safetensors');
  assert.is(r.code, 2);
  assert.match(r.err, /tensor "pca\.\w+" is missing/); // a version-1 reader looks for the PCA
});

test.after(shutdown);
test.run();
