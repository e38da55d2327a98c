// gaussface score (pixel-space log-likelihood of every image of a source), fit --components cv and
// select --criterion cv with its two-panel plot, end to end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageModel, syntheticFaces, shutdown } from '../dist/index.js';

import { cliIn, json } from './helpers/cli.mjs';

const dir = mkdtempSync(join(tmpdir(), 'gaussface-score-'));
const run = cliIn(dir);

test('fit --components cv, then score every image: JSON, the human line, and the SDK figure', async () => {
  const fit = json(run('fit', '--data', 'synthetic:120', '--size', '16', '--pca', '8', '--components', 'cv', '--candidates', '1,2,3', '--folds', '3', '--out', 'm.safetensors', '--json'));
  assert.ok(fit.selection.every((r) => r.cvFolds.length === 3));
  const best = fit.selection.reduce((a, b) => (b.cv > a.cv ? b : a));
  assert.is(fit.mixtureComponents, best.nComponents);
  const s = json(run('score', 'm.safetensors', '--data', 'synthetic:50', '--json'));
  assert.is(s.n, 50);
  const model = ImageModel.fromBytes(new Uint8Array(readFileSync(join(dir, 'm.safetensors'))));
  const want = await model.score(syntheticFaces({ n: 50, size: 16, seed: 0 }).X);
  assert.ok(Math.abs(s.logLikelihoodPerPixel - want.logLikelihoodPerPixel) < 1e-9, `${s.logLikelihoodPerPixel} vs ${want.logLikelihoodPerPixel}`);
  const human = run('score', 'm.safetensors', '--data', 'synthetic:50');
  assert.is(human.code, 0, human.err);
  assert.match(human.out, /^log-likelihood -?\d+\.\d{4} nats per pixel \(.* per image\) over 50 images$/m);
});

test('score: a source of another image size is one line, exit 2', () => {
  const r = run('score', 'm.safetensors', '--data', 'synthetic:10', '--size', '20');
  assert.is(r.code, 2);
  assert.match(r.err, /^gaussface: error: the images of synthetic:10 have 400 values each but the model was fitted on 16×16×1/);
  assert.is(run('score', '--data', 'synthetic:10').code, 2);
});

test('select --criterion cv: the CV column, its choice, and BIC/AIC and CV panels side by side', () => {
  const r = json(run('select', '--data', 'synthetic:120', '--size', '16', '--pca', '6', '--candidates', '1,2,3', '--types', 'full,diag', '--criterion', 'cv', '--folds', '3', '--plot', 'sel.svg', '--json'));
  const best = r.table.reduce((a, b) => (b.cv > a.cv ? b : a));
  assert.equal([r.best.nComponents, r.best.covarianceType], [best.nComponents, best.covarianceType]);
  const svg = readFileSync(join(dir, 'sel.svg'), 'utf8');
  for (const label of ['BIC full', 'AIC diag', '3-fold CV full', 'Held-out log-likelihood']) assert.ok(svg.includes(label), label);
  assert.is(svg.match(/<svg /g).length, 3); // the outer SVG and its two panels
});

test.after(shutdown);
test.run();
