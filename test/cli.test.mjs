// The gaussface command end to end on small generated data: every sub-command, --json, and one clear line
// with exit code 2 for every user error; Ctrl-C leaves no half-written file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { GaussfaceError, HOLDOUT_RULE, holdoutRows, imageGrid, Matrix, MAX_GRID_PIXELS, nParameters, syntheticFaces } from '../dist/index.js';
import { cliIn, json } from './helpers/cli.mjs';

const CLI = new URL('../cli/gaussface.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gaussface-cli-'));
const run = cliIn(dir);
/** The CLI under Node flags (e.g. ['--expose-gc']). */
const runWith = (nodeFlags, ...args) => cliIn(dir, nodeFlags)(...args);

// A folder of PNG faces in two sub-folders (labels), plus broken variants.
const faces = syntheticFaces({ n: 40, size: 24, seed: 5 });
const png = (i) => sharp(Buffer.from(faces.X.row(i).map((v) => Math.round(v * 255))), { raw: { width: 24, height: 24, channels: 1 } }).png().toBuffer();
for (const sub of ['a', 'b']) mkdirSync(join(dir, 'faces', sub), { recursive: true });
for (let i = 0; i < 40; i++) writeFileSync(join(dir, 'faces', i % 2 ? 'b' : 'a', `${String(i).padStart(3, '0')}.png`), await png(i));
mkdirSync(join(dir, 'corrupt'));
writeFileSync(join(dir, 'corrupt', 'good.png'), await png(0));
writeFileSync(join(dir, 'corrupt', 'bad.jpg'), Buffer.from('this is not a jpeg'));
mkdirSync(join(dir, 'mixed'));
writeFileSync(join(dir, 'mixed', '1.png'), await png(0));
writeFileSync(join(dir, 'mixed', '2.png'), await sharp(await png(1)).resize(30, 30).png().toBuffer());

test('demo runs end to end offline and writes images, plots, a model and a report', () => {
  const r = json(run('demo', '--out', 'demo', '--data', 'synthetic:200', '--size', '32', '--json'));
  assert.is(r.images, 200);
  for (const f of ['samples.png', 'training.png', 'means.png', 'eigenfaces.png', 'bic.png', 'bic.svg', 'variance.svg', 'model.safetensors', 'report.md'])
    assert.ok(existsSync(join(dir, 'demo', f)), f);
  assert.match(readFileSync(join(dir, 'demo', 'report.md'), 'utf8'), /chosen by BIC/);
  assert.is(readdirSync(join(dir, 'demo')).filter((f) => f.includes('.tmp-')).length, 0);
  // One warning naming every candidate with more free parameters than the 200 rows fitted (k = 16, 32 full here).
  const over = r.selection.filter((row) => nParameters(row.covarianceType, row.nComponents, r.pcaComponents) > 200);
  assert.ok(over.length >= 1 && over.length < r.selection.length, `${over.length} of ${r.selection.length} candidates over-parameterised`);
  assert.equal((r.warnings ?? []).map((w) => w.match(/^([\d, ]+) full/)?.[1]), [over.map((row) => row.nComponents).join(', ')]);
});

test('the BIC chart: round ticks (1, 2 or 5 × 10^k apart) and the legend above the plot, not on a line', () => {
  const svg = readFileSync(join(dir, 'demo', 'bic.svg'), 'utf8');
  const unit = { '': 1, k: 1e3, M: 1e6 };
  const ticks = [...svg.matchAll(/text-anchor="end" font-size="11">(-?[\d.]+)([kM]?)</g)].map(([, v, u]) => Number(v) * unit[u]);
  assert.ok(ticks.length >= 3, svg);
  const steps = ticks.slice(1).map((t, i) => Math.abs(t - ticks[i]));
  const step = steps[0];
  assert.ok(steps.every((d) => Math.abs(d - step) < 1e-9 * Math.abs(step)), `even steps ${steps}`);
  const mantissa = step / 10 ** Math.floor(Math.log10(step));
  assert.ok([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9), `step ${step}`);
  assert.ok(ticks.every((t) => Math.abs(t / step - Math.round(t / step)) < 1e-9), `ticks on multiples of the step: ${ticks}`);
  // The plot's top edge is the y axis' upper end; the legend (BIC, AIC) sits above it, every point below it.
  const top = Number(svg.match(/<line x1="64" x2="64" y1="([\d.]+)"/)[1]);
  const legend = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="12" fill="#[0-9a-f]+">(BIC|AIC)</g)];
  assert.equal(legend.map((m) => m[2]), ['BIC', 'AIC']);
  assert.ok(legend.every((m) => Number(m[1]) < top), `legend rows above y = ${top}`);
  assert.ok([...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].every((m) => Number(m[1]) >= top));
});

test('fit a folder, then sample, info and select', async () => {
  const fit = json(run('fit', '--data', 'faces', '--out', 'm.safetensors', '--components', '2', '--pca', '6', '--json'));
  assert.is(fit.images, 40);
  assert.is(fit.pcaComponents, 6);
  const s = json(run('sample', 'm.safetensors', '-n', '6', '--out', 'grid.png', '--temperature', '0.6', '--json'));
  assert.is(s.count, 6);
  const meta = await sharp(join(dir, 'grid.png')).metadata();
  assert.ok(meta.width > 24 && meta.height > 24);
  const info = json(run('info', 'm.safetensors', '--json'));
  assert.equal(info.image, { width: 24, height: 24, channels: 1 });
  assert.is(info.mixtureComponents, 2);
  const sel = json(run('select', '--data', 'faces', '--candidates', '1,2,3', '--pca', '5', '--plot', 'sel.svg', '--json'));
  assert.is(sel.table.length, 3);
  assert.ok(existsSync(join(dir, 'sel.svg')));
  assert.match(run('info', 'm.safetensors').out, /2 full Gaussians/);
});

const userError = (r, pattern) => {
  assert.is(r.code, 2, `exit code (stderr: ${r.err})`);
  // Progress bars may precede it on stderr; the error itself is the one and last 'gaussface:' line.
  const lines = r.err.trim().split('\n');
  assert.is(lines.filter((l) => l.startsWith('gaussface:')).length, 1, `one error line: ${r.err}`);
  assert.match(lines[lines.length - 1], pattern);
};

test('augment, cluster, anomalies, evaluate and points', async () => {
  const aug = json(run('augment', 'm.safetensors', '-n', '5', '--out', 'aug', '--json'));
  assert.is(aug.count, 5);
  assert.is(readdirSync(join(dir, 'aug')).filter((f) => f.endsWith('.png')).length, 5);
  const cl = json(run('cluster', 'm.safetensors', '--data', 'faces', '--out', 'clusters', '--json'));
  assert.is(cl.sizes.reduce((a, b) => a + b, 0), 40);
  const assignments = JSON.parse(readFileSync(join(dir, 'clusters', 'assignments.json'), 'utf8'));
  assert.is(assignments.length, 40);
  assert.ok(Math.abs(assignments[0].proba.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  const an = json(run('anomalies', '--data', 'faces', '--model', 'm.safetensors', '--top', '3', '--out', 'odd.png', '--json'));
  assert.is(an.anomalies.length, 3);
  assert.ok(an.anomalies[0].logLikelihood <= an.anomalies[2].logLikelihood);
  assert.ok(existsSync(join(dir, 'odd.png')));
  json(run('fit', '--data', 'faces', '--holdout', '--out', 'mh.safetensors', '--components', '2', '--pca', '6', '--json'));
  const ev = json(run('evaluate', 'mh.safetensors', '--data', 'faces', '--samples', '20', '--out', 'pairs.png', '--json'));
  assert.ok(Number.isFinite(ev.heldOutLogLikelihoodPerDim) && ev.medianSampleToTrain > 0 && ev.medianHeldOutToTrain > 0);
  assert.equal(ev.scored, { train: { data: 'faces', rows: `all but ${HOLDOUT_RULE}`, count: 32 }, heldOut: { data: 'faces', rows: HOLDOUT_RULE, count: 8 } });
  // A drawing: two dark blobs on white.
  const W = 60;
  const px = Buffer.alloc(W * W, 255);
  for (let r = 0; r < W; r++) for (let c = 0; c < W; c++) if ((r - 20) ** 2 + (c - 15) ** 2 < 40 || (r - 40) ** 2 + (c - 45) ** 2 < 60) px[r * W + c] = 0;
  await sharp(px, { raw: { width: W, height: W, channels: 1 } }).png().toFile(join(dir, 'drawing.png'));
  const pt = json(run('points', 'drawing.png', '--components', '2', '--n-init', '2', '--samples', '500', '--out', 'pts', '--json'));
  assert.ok(pt.points > 50);
  for (const f of ['points.png', 'density.png', 'samples.png']) assert.ok(existsSync(join(dir, 'pts', f)));
  userError(run('points', 'drawing.png', '--threshold', '0', '--out', 'pts'), /raise the threshold/);
});

test('user errors: one line, exit code 2, naming the problem', () => {
  userError(run('frobnicate'), /unknown command 'frobnicate'/);
  userError(run('fit', '--data', 'faces', '--out', 'x.safetensors', '--colour'), /Unknown option '--colour'.*gaussface fit --help/);
  userError(run('fit', '--data', 'nowhere', '--out', 'x.safetensors'), /--data nowhere: no such folder/);
  userError(run('fit', '--data', 'corrupt', '--out', 'x.safetensors'), /cannot read image .*bad\.jpg/);
  userError(run('fit', '--data', 'mixed', '--out', 'x.safetensors'), /different sizes: .*1\.png is 24×24 but .*2\.png is 30×30; pass --size/);
  userError(run('fit', '--data', 'faces', '--out', 'x.safetensors', '--components', '99', '--pca', '4'), /40 samples but nComponents is 99/);
  userError(run('fit', '--data', 'faces'), /needs --out/);
  userError(run('sample', 'missing.safetensors', '--out', 'g.png'), /cannot read model file missing\.safetensors/);
  writeFileSync(join(dir, 'half.safetensors'), readFileSync(join(dir, 'm.safetensors')).subarray(0, 500));
  userError(run('sample', 'half.safetensors', '--out', 'g.png'), /truncated/);
  // A model argument that is a FIFO or a device is refused at once (it used to hang, or read /dev/zero forever).
  if (spawnSync('mkfifo', [join(dir, 'pipe.safetensors')]).status === 0) userError(run('info', 'pipe.safetensors'), /cannot read model file pipe\.safetensors: it is a FIFO \(named pipe\), not a regular file/);
  else console.log('  skipped (FIFO part): mkfifo is not available');
  userError(run('info', '/dev/zero'), /cannot read model file \/dev\/zero: it is a device, not a regular file/);
  userError(run('sample', 'm.safetensors', '-n', 'lots', '--out', 'g.png'), /^gaussface: error: -n must be a positive integer, got lots$/);
  assert.not.ok(existsSync(join(dir, 'x.safetensors')));
  for (const cmd of ['demo', 'fit', 'sample', 'select', 'info', 'augment', 'cluster', 'anomalies', 'points', 'evaluate', 'vae']) assert.match(run(cmd, '--help').out, /usage: gaussface/);
  assert.match(run('--help').out, /commands:/);
});

test('vae train (checkpoint per epoch), resume, sample and reconstruct', async () => {
  writeFileSync(join(dir, 'arch.json'), JSON.stringify({ encoder: [{ conv: 4 }, { dense: 32 }], latent: 8 }));
  const t = json(run('vae', 'train', '--data', 'faces', '--epochs', '2', '--batch', '8', '--config', 'arch.json', '--latent', '3', '--workers', '2', '--out', 'v.safetensors', '--json'));
  assert.is(t.epochs, 2);
  const r = json(run('vae', 'train', '--data', 'faces', '--epochs', '1', '--batch', '8', '--resume', 'v.safetensors', '--out', 'v2.safetensors', '--json'));
  // Progress to a log (stderr is a pipe here): a few lines per stage, not one per step (training progress is
  // polled every 100 ms, so a fast epoch may log only its last line).
  const logged = run('vae', 'train', '--data', 'faces', '--epochs', '2', '--batch', '2', '--latent', '2', '--out', 'vlog.safetensors');
  assert.is(logged.code, 0, logged.err);
  const epochLines = logged.err.split('\n').filter((l) => l.startsWith('epoch 1 '));
  assert.ok(epochLines.length >= 1 && epochLines.length <= 5, `epoch 1 logged ${epochLines.length} times for 20 steps`);
  assert.match(epochLines.at(-1), /20\/20/);
  assert.is(r.epochs, 3);
  assert.equal(r.loss.slice(0, 2), t.loss);
  const h = json(run('vae', 'train', '--data', 'faces', '--epochs', '3', '--batch', '8', '--holdout', '--workers', '1', '--plot', 'curves.svg', '--out', 'vh.safetensors', '--json'));
  assert.match(readFileSync(join(dir, 'curves.svg'), 'utf8'), /^<svg.*held-out −ELBO/s);
  const info = json(run('info', 'vh.safetensors', '--plot', 'curves2.svg', '--json'));
  assert.equal([info.epochs, info.validation, info.config.latent], [3, h.validation, 32]);
  assert.is(readFileSync(join(dir, 'curves2.svg'), 'utf8'), readFileSync(join(dir, 'curves.svg'), 'utf8'));
  userError(run('info', 'm.safetensors', '--plot', 'x.svg'), /--plot draws the training curves of a VAE file/);
  assert.is(h.validation.length, 3);
  assert.ok(h.bestEpoch >= 1 && h.bestEpoch <= 3);
  const resumed = run('vae', 'train', '--data', 'faces', '--epochs', '1', '--batch', '8', '--holdout', '--resume', 'vh.safetensors', '--out', 'vh2.safetensors');
  assert.match(resumed.out, /trained 1 epochs \(4 in all; .*at epoch 4\)/, 'a resumed run counts epochs from the start');
  const ev = json(run('vae', 'evaluate', 'vh.safetensors', '--data', 'faces', '--iwae', '8', '--samples', '20', '--out', 'vpairs.png', '--json'));
  assert.ok(Math.abs(ev.heldOutNegativeElbo - h.validation[h.bestEpoch - 1]) < 1e-9, 'evaluate measures the held-out rows that training validated on');
  assert.ok(ev.heldOutIwae >= -ev.heldOutNegativeElbo - 1, `IWAE ${ev.heldOutIwae} ≥ ELBO ${-ev.heldOutNegativeElbo}`);
  assert.ok(ev.medianSampleToTrain > 0 && ev.medianHeldOutToTrain > 0);
  assert.ok(existsSync(join(dir, 'vpairs.png')));
  userError(run('vae', 'train', '--data', 'faces', '--preset', 'conv64', '--out', 'x.safetensors'), /conv64 preset is for 64×64 images, got 24×24/);
  userError(run('vae', 'train', '--data', 'faces', '--preset', 'huge', '--out', 'x.safetensors'), /--preset must be one of mlp, conv64, conv128, got 'huge'/);
  json(run('vae', 'train', '--data', 'faces', '--epochs', '1', '--batch', '8', '--latent', '2', '--likelihood', 'gaussian', '--variance', '0.05', '--out', 'vg.safetensors', '--json'));
  assert.equal(json(run('info', 'vg.safetensors', '--json')).config, { input: { channels: 1, height: 24, width: 24 }, encoder: [{ dense: 512 }, { dense: 256 }], latent: 2, likelihood: 'gaussian', variance: 0.05 });
  userError(run('vae', 'train', '--data', 'faces', '--likelihood', 'poisson', '--out', 'x.safetensors'), /--likelihood must be bernoulli or gaussian, got 'poisson'/);
  userError(run('vae', 'train', '--data', 'faces', '--config', 'nope.json', '--out', 'x.safetensors'), /cannot read --config nope.json/);
  json(run('vae', 'sample', 'v2.safetensors', '-n', '4', '--out', 'vs.png', '--json'));
  json(run('vae', 'sample', 'v2.safetensors', '-n', '4', '--scale', '1', '--out', 'vs1.png', '--json'));
  const [w2, w1] = await Promise.all(['vs.png', 'vs1.png'].map(async (p) => (await sharp(join(dir, p)).metadata()).width));
  assert.ok(w1 < w2 && w1 >= 4 * 24, `--scale 1 grid ${w1} px wide, default ${w2}`);
  json(run('vae', 'reconstruct', 'v2.safetensors', '--data', 'faces', '-n', '4', '--out', 'vr.png', '--json'));
  assert.equal(json(run('vae', 'reconstruct', 'vh.safetensors', '--data', 'faces', '-n', '2', '--out', 'vrh.png', '--json')).rows, [4, 9], 'a --holdout model reconstructs held-out faces');
  assert.equal(json(run('vae', 'reconstruct', 'v2.safetensors', '--data', 'faces', '--images', '3,0', '--out', 'vri.png', '--json')).rows, [3, 0]);
  userError(run('vae', 'reconstruct', 'v2.safetensors', '--data', 'faces', '--images', '999', '--out', 'x.png'), /--images: faces has \d+ images/);
  for (const f of ['vs.png', 'vr.png']) assert.ok(existsSync(join(dir, f)));
  const lat = json(run('vae', 'latent', 'v2.safetensors', '--data', 'faces', '--out', 'latent', '--json'));
  assert.is(lat.images, 40);
  assert.is(lat.klPerDimension.length, 3);
  for (const f of ['latent-histograms.svg', 'tsne.svg']) assert.match(readFileSync(join(dir, 'latent', f), 'utf8'), /^<svg/);
  json(run('vae', 'morph', 'v2.safetensors', '--data', 'faces', '--from', '0', '--to', '3', '--steps', '5', '--spherical', '--out', 'morph.png', '--json'));
  const attr = ['40', 'Smiling Eyeglasses', ...Array.from({ length: 40 }, (_, i) => `${String(i).padStart(3, '0')}.png ${faces.attributes.values.get(i, 0) ? ' 1' : '-1'} -1`)];
  writeFileSync(join(dir, 'attr.txt'), attr.join('\n'));
  const at = json(run('vae', 'attribute', 'v2.safetensors', '--data', 'faces', '--attributes', 'attr.txt', '--name', 'Smiling', '--strengths=-1,0,1', '-n', '2', '--out', 'smile.png', '--json'));
  assert.equal(at.strengths, [-1, 0, 1]);
  assert.ok(Math.abs(at.length - 1) < 1e-6 && at.units === 'length', 'by default the direction has length 1');
  // --units sd: one standard deviation of the training codes along the direction (the library's 'spread').
  const sd = json(run('vae', 'attribute', 'v2.safetensors', '--data', 'faces', '--attributes', 'attr.txt', '--name', 'Smiling', '--units', 'sd', '--strengths=0,1', '-n', '1', '--out', 'smile-sd.png', '--json'));
  const { VAE: V, attributeDirection } = await import('../dist/index.js');
  const { loadImageFolder } = await import('../dist/node.js');
  const { X: fx, files } = await loadImageFolder(join(dir, 'faces'));
  const { mu } = await (await V.fromBytes(new Uint8Array(readFileSync(join(dir, 'v2.safetensors'))))).encode(fx);
  const smiling = files.map((f) => faces.attributes.values.get(Number(f.match(/(\d+)\.png$/)[1]), 0)); // rows in path order
  const want = attributeDirection(mu, smiling, { scale: 'spread' });
  assert.ok(sd.units === 'sd' && Math.abs(sd.length - Math.hypot(...want)) < 1e-5 && Math.abs(sd.length - 1) > 1e-3, `length ${sd.length} vs ${Math.hypot(...want)}`);
  userError(run('vae', 'attribute', 'v2.safetensors', '--data', 'faces', '--attributes', 'attr.txt', '--name', 'Smiling', '--units', 'sigma', '--out', 'x.png'), /--units must be sd/);
  const ath = json(run('vae', 'attribute', 'vh.safetensors', '--data', 'faces', '--attributes', 'attr.txt', '--name', 'Smiling', '--images', '4,9', '--out', 'smile2.png', '--json'));
  assert.is(ath.images, 2);
  json(run('vae', 'latent', 'v2.safetensors', '--data', 'faces', '--attributes', 'attr.txt', '--name', 'Smiling', '--out', 'latent2', '--json'));
  assert.match(readFileSync(join(dir, 'latent2', 'tsne.svg'), 'utf8'), /not Smiling/);
  for (const f of ['morph.png', 'smile.png']) assert.ok(existsSync(join(dir, f)));
  userError(run('vae', 'attribute', 'v2.safetensors', '--data', 'faces', '--attributes', 'attr.txt', '--name', 'Beard', '--out', 'x.png'), /attribute 'Beard' is not in attr.txt/);
  const saved = json(run('vae', 'attribute', 'v2.safetensors', '--data', 'faces', '--attributes', 'attr.txt', '--name', 'Smiling', '--save', '--json'));
  assert.equal(saved.attributes, ['Smiling']);
  const { VAE } = await import('../dist/index.js');
  // (A copy: decodeSafetensors misreads a Node Buffer, whose slice() is a view.)
  assert.is((await VAE.fromBytes(new Uint8Array(readFileSync(join(dir, 'v2.safetensors'))))).attributes.get('Smiling').length, 3, 'the direction is in the model file');
  userError(run('vae', 'morph', 'v2.safetensors', '--data', 'faces', '--save'), /--save goes with vae attribute/);
  userError(run('vae', 'train', '--data', 'faces', '--size', '12', '--resume', 'v.safetensors', '--out', 'x.safetensors'), /expects 576 pixels per image, the data has 144/);
  userError(run('vae', 'dream'), /unknown vae command 'dream'/);
  // A negative value after an option is its value (not parseArgs' "ambiguous" error): here the next problem is reported.
  userError(run('vae', 'attribute', 'v2.safetensors', '--strengths', '-1,1'), /vae attribute needs a model file, --data SRC and --out FILE/);
  userError(run('vae', 'evaluate', 'v2.safetensors', '--data', 'faces'), /v2\.safetensors was fitted without --holdout.*--held-out SRC/);
  const bare = run('vae');
  assert.is(bare.code, 2);
  assert.match(bare.err, /^gaussface: error: vae needs a sub-command\n\nusage: gaussface vae train/);
});

test('no command: usage on stderr and exit code 2; --json errors are JSON on stdout with the same exit codes', () => {
  const none = run();
  assert.is(none.code, 2);
  assert.match(none.err, /a command is needed[\s\S]*usage: gaussface <command>/);
  assert.is(none.out, '');
  const missing = run('sample', 'missing.safetensors', '--out', 'g.png', '--json');
  assert.is(missing.code, 2);
  assert.equal(JSON.parse(missing.out), { error: { code: 'EUSAGE', message: 'cannot read model file missing.safetensors: no such file' } });
  const bad = run('fit', '--data', 'faces', '--out', 'x.safetensors', '--components', '99', '--pca', '4', '--json');
  assert.is(bad.code, 2);
  const { error } = JSON.parse(bad.out);
  assert.is(error.code, 'EINPUT');
  assert.match(error.message, /40 samples but nComponents is 99/);
  assert.equal(JSON.parse(run('frobnicate', '--json').out).error.code, 'EUSAGE');
});

test('number options: one plain line naming the option as typed; temperature finite, > 0 and ≤ 10', () => {
  userError(run('sample', 'm.safetensors', '-n', '-3', '--out', 'g.png'), /^gaussface: error: -n must be a positive integer, got -3$/);
  userError(run('sample', 'm.safetensors', '--count', '-3', '--out', 'g.png'), /^gaussface: error: --count must be a positive integer, got -3$/);
  userError(run('augment', 'm.safetensors', '-n', '2000000', '--out', 'x'), /^gaussface: error: -n must be an integer from 1 to 1000000, got 2000000$/);
  for (const t of ['1e308', '0', '-1', 'Infinity', 'NaN'])
    userError(run('sample', 'm.safetensors', '--temperature', t, '--out', 'g.png'), new RegExp(`--temperature must be a number > 0 and ≤ 10, got ${t}$`));
  userError(run('augment', 'm.safetensors', '--temperature', '1e308', '--out', 'x'), /--temperature must be a number > 0 and ≤ 10/);
  userError(run('demo', '--temperature', '11'), /--temperature must be a number > 0 and ≤ 10, got 11/);
  assert.not.ok(existsSync(join(dir, 'g.png')) && existsSync(join(dir, 'x')));
});

test('--help: every --out says that missing folders are created', () => {
  for (const cmd of ['demo', 'fit', 'sample', 'augment', 'cluster', 'anomalies', 'points', 'evaluate']) {
    const outLines = run(cmd, '--help').out.split('\n').filter((l) => /^\s+--out /.test(l));
    assert.ok(outLines.length === 1 && /missing folders are created/.test(outLines[0]), `${cmd}: ${outLines}`);
  }
  assert.match(run('vae', '--help').out, /Missing folders\s+of --out and --plot are created/);
  assert.match(run('--help').out, /Output folders \(--out\) that do not exist are created/);
});

test('the model file is the first argument everywhere; --model still works; both must agree', () => {
  assert.is(json(run('sample', '--model', 'm.safetensors', '-n', '2', '--out', 'gm.png', '--json')).count, 2);
  assert.is(json(run('info', '--model', 'm.safetensors', '--json')).mixtureComponents, 2);
  assert.is(json(run('anomalies', 'm.safetensors', '--data', 'faces', '--top', '2', '--json')).anomalies.length, 2);
  assert.is(json(run('cluster', '--model', 'm.safetensors', '--data', 'faces', '--out', 'clusters2', '--json')).clusters, 2);
  userError(run('sample', 'm.safetensors', '--model', 'other.safetensors', '--out', 'g.png'), /sample: give the model file once/);
  for (const cmd of ['sample', 'augment', 'cluster', 'anomalies', 'evaluate', 'info']) assert.match(run(cmd, '--help').out, /^\s+MODEL\s.*--model MODEL/m, cmd);
});

test('over-parameterised candidates are warned about on stderr and in --json (fit, select)', () => {
  const fit = run('fit', '--data', 'faces', '--components', '8', '--pca', '6', '--out', 'm8.safetensors', '--json');
  const r = json(fit);
  // 8 full Gaussians in 6 dimensions: 8·21 + 8·6 + 7 = 223 free parameters for 40 rows.
  assert.equal(r.warnings, [`8 full Gaussians in 6 dimensions have 223 free parameters, more than the 40 rows they are fitted on (the fit can memorise them; trust its BIC/AIC less): use fewer components, a simpler --covariance, a smaller --pca or more images`]);
  assert.match(fit.err, /^gaussface: warning: 8 full Gaussians in 6 dimensions have 223 free parameters/m);
  const fine = json(run('fit', '--data', 'faces', '--components', '1', '--pca', '4', '--covariance', 'diag', '--out', 'm1.safetensors', '--json'));
  assert.is(fine.warnings, undefined);
  const sel = json(run('select', '--data', 'faces', '--candidates', '1,2,3', '--pca', '5', '--types', 'full,spherical', '--json'));
  const over = sel.table.filter((row) => nParameters(row.covarianceType, row.nComponents, 5) > 40);
  assert.equal(over.map((row) => `${row.nComponents} ${row.covarianceType}`), ['2 full', '3 full']);
  const [lo, hi] = over.map((row) => nParameters(row.covarianceType, row.nComponents, 5));
  assert.equal(sel.warnings, [`2, 3 full Gaussians in 5 dimensions have ${lo}–${hi} free parameters, more than the 40 rows each is fitted on (the fit can memorise them; trust its BIC/AIC less): use fewer components, a simpler --covariance, a smaller --pca or more images`]);
});

test('evaluate refuses a model without a hold-out split (exit 2, naming the fix), also under --json', () => {
  userError(run('evaluate', 'm.safetensors', '--data', 'faces'), /m\.safetensors was fitted without --holdout.*refit with --holdout.*--held-out SRC/);
  const r = run('evaluate', 'm.safetensors', '--data', 'faces', '--json');
  assert.is(r.code, 2);
  assert.match(JSON.parse(r.out).error.message, /fitted without --holdout/);
});

test('evaluate --held-out scores all of --data as training rows and the given images as held out', async () => {
  // Images the model never saw: 12 new faces of the same size.
  const unseen = syntheticFaces({ n: 12, size: 24, seed: 99 });
  mkdirSync(join(dir, 'unseen'));
  for (let i = 0; i < 12; i++) await sharp(Buffer.from(unseen.X.row(i).map((v) => Math.round(v * 255))), { raw: { width: 24, height: 24, channels: 1 } }).png().toFile(join(dir, 'unseen', `${i}.png`));
  const ev = json(run('evaluate', 'm.safetensors', '--data', 'faces', '--held-out', 'unseen', '--samples', '10', '--json'));
  assert.equal(ev.scored, { train: { data: 'faces', rows: 'all', count: 40 }, heldOut: { data: 'unseen', rows: 'all', count: 12 } });
  assert.ok(Number.isFinite(ev.heldOutLogLikelihoodPerDim) && ev.trainLogLikelihoodPerDim > ev.heldOutLogLikelihoodPerDim - 50);
  const human = run('evaluate', 'm.safetensors', '--data', 'faces', '--held-out', 'unseen', '--samples', '10');
  assert.match(human.out, /train -?[\d.]+ \(40 images\), held-out -?[\d.]+ \(12 images: unseen\)/);
});

test('the hold-out split is one SDK helper: rows i % 5 == 4 held out', () => {
  const X = new Matrix(12, 2, Float32Array.from({ length: 24 }, (_, i) => Math.floor(i / 2)));
  assert.equal(Array.from(holdoutRows(X).data.filter((_, i) => i % 2 === 0)), [0, 1, 2, 3, 5, 6, 7, 8, 10, 11]);
  assert.equal(Array.from(holdoutRows(X, { heldOut: true }).data.filter((_, i) => i % 2 === 0)), [4, 9]);
  assert.is(HOLDOUT_RULE, 'i % 5 == 4');
});

test('a grid too large for one sheet is refused before any work (sample -n 100000 used to exhaust memory)', async () => {
  json(run('fit', '--data', 'synthetic:40', '--size', '64', '--components', '1', '--pca', '3', '--out', 'm64.safetensors', '--json'));
  for (const n of ['100000', '20000']) {
    const t0 = performance.now();
    userError(run('sample', 'm64.safetensors', '-n', n, '--out', 'huge.png'), new RegExp(`-n ${n}: one grid sheet holds at most 1,9\\d\\d 64×64 images at these settings; draw fewer, or write one file per image with gaussface augment m64\\.safetensors -n ${n} --out DIR`));
    assert.ok(performance.now() - t0 < 20000);
  }
  assert.not.ok(existsSync(join(dir, 'huge.png')));
  json(run('anomalies', 'm.safetensors', '--data', 'faces', '--top', '40', '--out', join('new', 'folder', 'odd.png'), '--json')); // 40 fit on a sheet
  assert.ok(existsSync(join(dir, 'new', 'folder', 'odd.png')), 'missing folders of --out are created');
  // The SDK's own cap: imageGrid refuses a sheet over MAX_GRID_PIXELS with EINPUT instead of allocating it.
  const tiny = new Matrix(4000, 1, new Float32Array(4000));
  const err = await imageGrid(tiny, { width: 1, height: 1, channels: 1, scale: 100, cols: 60 }).catch((e) => e);
  assert.ok(err instanceof GaussfaceError && err.code === 'EINPUT', String(err));
  assert.match(err.message, new RegExp(`more than the ${MAX_GRID_PIXELS.toLocaleString('en')} pixels one sheet may have`));
});

test('augment draws in batches of 256: the first batch does not depend on how many follow', () => {
  assert.is(json(run('augment', 'm.safetensors', '-n', '300', '--out', 'aug300', '--json')).count, 300);
  assert.is(json(run('augment', 'm.safetensors', '-n', '260', '--out', 'aug260', '--json')).count, 260);
  const files = readdirSync(join(dir, 'aug300')).sort();
  assert.is(files.length, 300);
  assert.is(files.at(-1), 'synthetic_00299.png');
  for (let i = 0; i < 256; i += 15) assert.ok(readFileSync(join(dir, 'aug300', files[i])).equals(readFileSync(join(dir, 'aug260', files[i]))), files[i]);
  assert.not.ok(readFileSync(join(dir, 'aug300', files[0])).equals(readFileSync(join(dir, 'aug300', files[256]))));
});

test('an interrupted augment says how many images it wrote and where', async () => {
  const child = spawn(process.execPath, [CLI, 'augment', 'm.safetensors', '-n', '50000', '--out', 'aug-int'], { cwd: dir });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const out = join(dir, 'aug-int');
  for (let t = 0; t < 2400 && !(existsSync(out) && readdirSync(out).length >= 20); t++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('exit', r));
  assert.is(code, 130, err);
  const m = err.match(/gaussface: cancelled; augment stopped after writing (\d+) of 50000 images to aug-int\/ \(synthetic_00000\.png to synthetic_(\d+)\.png\)/);
  assert.ok(m, err);
  const written = readdirSync(out);
  assert.is(written.filter((f) => f.includes('.tmp-')).length, 0);
  assert.is(written.length, Number(m[1]));
  assert.is(Number(m[2]), Number(m[1]) - 1);
});

test('Node flags that workers refuse (--max-old-space-size, --expose-gc, --title) do not break commands', () => {
  for (const flag of ['--max-old-space-size=8192', '--expose-gc', '--title=gaussface-test']) {
    const r = runWith([flag], 'fit', '--data', 'synthetic:60', '--size', '16', '--components', '2', '--pca', '4', '--out', 'flags.safetensors', '--json');
    assert.is(r.code, 0, `${flag}: ${r.err}`);
    assert.is(JSON.parse(r.out).mixtureComponents, 2);
  }
});

test('a full disk is one line and leaves no partial file', () => {
  // A 64 KiB tmpfs stands in for a full disk (needs root, as on CI; otherwise the test says it is skipped).
  const mnt = join(dir, 'tiny');
  mkdirSync(mnt);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status !== 0) {
    console.log('  skipped: cannot mount a small tmpfs here (not root), so the disk-full path is not exercised');
    return;
  }
  try {
    userError(run('sample', 'm.safetensors', '-n', '400', '--out', join(mnt, 'big.png')), /disk is full; free some space or write elsewhere \(see --out\)/);
    assert.equal(readdirSync(mnt), []);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('Ctrl-C cancels a fit and leaves no file behind', async () => {
  const child = spawn(process.execPath, [CLI, 'fit', '--data', 'synthetic:3000', '--size', '64', '--out', 'big.safetensors', '--candidates', '1,2,4,8,16,32,64'], { cwd: dir });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('exit', r));
  assert.is(code, 130, err);
  assert.match(err, /cancel/);
  assert.not.ok(existsSync(join(dir, 'big.safetensors')));
  assert.is(readdirSync(dir).filter((f) => f.includes('.tmp-')).length, 0);
});

test.run();
