// Is the CelebA "Smiling" edit something a person sees? For every non-smiling held-out face (rows i % 5 == 4,
// as `vae train --holdout`): encode, add the direction at each strength, decode, and ask a smiling classifier
// that never saw the direction (L2 logistic regression on pixel-PCA features of the TRAINING faces' labels);
// identity is kept when the edited face, encoded again, is nearest (among all held-out faces' latent means) to
// its own face. Compares directions (mean difference / logistic weights, unit length / one standard deviation
// of the codes) and the same edit in a pixel-PCA latent space.
// Usage: node bench/quality/smile.mjs VAE.safetensors [--strengths 0,1,2,3,4] [--pca-edit 200] [--out FILE.json]
// Needs ../shared/datasets/celeba (attributes.txt: CelebA's list_attr format, Smiling is attribute 32).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { attributeDirection, parseAttributes, PCA, shutdown, takeRows, VAE } from '../../dist/index.js';
import { imageGrid } from '../../dist/node.js';
import { CACHE, SETS, loadSet } from './data.mjs';
import { LogisticRegression, measureAttributeEdit, orthogonalised } from './edit-measure.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    strengths: { type: 'string', default: '0,1,2,3,4' }, 'unit-strengths': { type: 'string', default: '-1,0,1,2,3' }, 'pca-edit': { type: 'string', default: '200' },
    'classifier-pca': { type: 'string', default: '100' }, directions: { type: 'string', default: 'mean-unit,mean-spread,logistic-spread,mean-spread-orth' }, out: { type: 'string' },
    // '-orth' directions: orthogonal to these attributes' mean-difference directions (who the person is, not the expression).
    person: { type: 'string', default: 'Male,Young,Attractive,Heavy_Makeup,Wearing_Lipstick,Wearing_Earrings,Pale_Skin,Black_Hair,Blond_Hair,Brown_Hair,Gray_Hair' },
  },
});
if (!positionals[0]) throw new Error('usage: node bench/quality/smile.mjs VAE.safetensors [--strengths 0,1,2,3,4] [--out FILE.json]');
const t0 = performance.now();
const log = (msg) => console.error(`${msg} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
const nums = (s) => s.split(',').map(Number);

// Data and labels: rows are the folder's images in path order, labels by file name.
const { X, train, held } = await loadSet('celeba');
const dir = SETS.celeba.dir;
const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
if (files.length !== X.rows) throw new Error(`${files.length} image files but ${X.rows} rows: delete .bench-cache/quality/celeba.*`);
const table = parseAttributes(readFileSync(`${dir}/attributes.txt`, 'utf8'));
const row = new Map(table.files.map((f, i) => [f, i]));
const column = (name) => {
  const c = table.names.indexOf(name);
  if (c < 0) throw new Error(`no attribute ${name} in attributes.txt`);
  return files.map((f) => (table.values.get(row.get(f), c) > 0 ? 1 : 0));
};
const labels = column('Smiling');
const trainIdx = labels.map((_, i) => i).filter((i) => i % 5 !== 4);
const heldIdx = labels.map((_, i) => i).filter((i) => i % 5 === 4);
const [yTrain, yHeld] = [trainIdx.map((i) => labels[i]), heldIdx.map((i) => labels[i])];
const notSmiling = yHeld.map((l, k) => (l ? -1 : k)).filter((k) => k >= 0);
log(`CelebA: ${train.rows} training faces (${yTrain.filter(Boolean).length} smiling), ${held.rows} held out (${notSmiling.length} not smiling)`);

const vae = await VAE.fromBytes(readFileSync(positionals[0]));
log(`VAE ${positionals[0]}: ${vae.history.length} epochs, held-out −ELBO ${vae.validationHistory.at(-1)?.toFixed(1)}`);
const recTrain = await vae.reconstruct(train);
const recHeld = await vae.reconstruct(held);
log('reconstructed the training and held-out faces');

/**
 * A smiling classifier on pixel-PCA features of `images` (training rows), features scaled by the first component's
 * standard deviation; C chosen on the training rows k % 5 == 4 (a validation part), then refitted on all of them.
 */
async function pixelClassifier(images, name) {
  const pca = await new PCA({ nComponents: Number(values['classifier-pca']), svdSolver: 'randomized', randomState: 0 }).fit(images);
  const s = Math.sqrt(pca.explainedVariance[0]);
  const features = async (im) => {
    const f = await pca.transform(im);
    for (let i = 0; i < f.data.length; i++) f.data[i] /= s;
    return f;
  };
  const F = await features(images);
  const rows = (held) => Array.from({ length: F.rows }, (_, i) => i).filter((i) => (i % 5 === 4) === held);
  const [fitRows, valRows] = [rows(false), rows(true)];
  let best;
  for (const C of [0.01, 0.1, 1, 10]) {
    const clf = await new LogisticRegression({ C }).fit(takeRows(F, fitRows), fitRows.map((i) => yTrain[i]));
    const acc = clf.score(takeRows(F, valRows), valRows.map((i) => yTrain[i]));
    if (!best || acc > best.acc) best = { C, acc };
  }
  const clf = await new LogisticRegression({ C: best.C }).fit(F, yTrain);
  log(`classifier '${name}': PCA ${pca.nComponentsFitted}, C ${best.C} (validation accuracy ${(100 * best.acc).toFixed(1)} %)`);
  return { name, C: best.C, validationAccuracy: best.acc, proba: async (im) => clf.predictProba(await features(im)), accuracy: async (im, y) => clf.score(await features(im), y) };
}

const onReal = await pixelClassifier(train, 'real');
const onRecon = await pixelClassifier(recTrain, 'reconstructions');
const classifiers = [onRecon, onReal];
const accuracy = {};
for (const c of classifiers) accuracy[c.name] = { heldOutReal: await c.accuracy(held, yHeld), heldOutReconstructions: await c.accuracy(recHeld, yHeld), C: c.C };
log(`held-out accuracy: ${JSON.stringify(accuracy)}`);

/**
 * Runs measureAttributeEdit once, classifying every decoded batch with both classifiers; the first four edited
 * faces at every strength go to .bench-cache/quality/smile-<name>.png (rows: faces, columns: strengths) to look at.
 */
async function measure(name, codec, direction, strengths, identity) {
  const rates = [];
  const shown = [];
  const rows = await measureAttributeEdit(codec, held, direction, {
    strengths, rows: notSmiling, identity,
    classify: async (im) => {
      const [pRecon, pReal] = [await onRecon.proba(im), await onReal.proba(im)];
      rates.push(pReal.filter((p) => p > 0.5).length / pReal.length);
      shown.push([0, 1, 2, 3].map((i) => im.row(i).slice()));
      return pRecon;
    },
  });
  const grid = [0, 1, 2, 3].flatMap((i) => shown.map((faces) => faces[i]));
  writeFileSync(`${CACHE}/smile-${name.replace(/ /g, '-')}.png`, await imageGrid(grid, { width: 64, height: 64, channels: 3, cols: strengths.length, scale: 2 }));
  return rows.map((r, k) => ({ strength: r.strength, smilingRecon: r.attributeRate, smilingReal: rates[k], identityKept: r.identityKept }));
}

const results = { model: positionals[0], epochs: vae.history.length, heldOutNegElbo: vae.validationHistory.at(-1), accuracy, edits: {} };
const { mu } = await vae.encode(train);
/** w at length 1 or ('spread') one standard deviation of the training codes along it. */
function scaled(w, scale) {
  const len = Math.hypot(...w);
  const unit = w.map((x) => x / len);
  if (scale !== 'spread') return unit;
  const proj = Array.from({ length: mu.rows }, (_, i) => mu.row(i).reduce((s, x, c) => s + x * unit[c], 0));
  const mean = proj.reduce((s, x) => s + x, 0) / proj.length;
  const sd = Math.sqrt(proj.reduce((s, x) => s + (x - mean) ** 2, 0) / (proj.length - 1));
  return unit.map((x) => x * sd);
}
const person = [];
for (const name of values.person.split(',')) {
  const y = column(name);
  person.push(attributeDirection(mu, trainIdx.map((i) => y[i])));
}
for (const name of values.directions.split(',')) {
  const [method, scale, orth] = name.split('-');
  // 'logistic': the weights of a logistic regression on the codes (C = 1) instead of the mean difference.
  let v = attributeDirection(mu, yTrain, { scale });
  if (method === 'logistic') v = scaled(new LogisticRegression({ C: 1 }).fit(mu, yTrain).coef, scale);
  if (orth) v = scaled(orthogonalised(v, person), scale);
  const strengths = nums(scale === 'unit' ? values['unit-strengths'] : values.strengths);
  results.edits[`vae ${name}`] = { length: Math.hypot(...v), rows: await measure(`vae ${name}`, vae, v, strengths) };
  log(`vae ${name} (length ${Math.hypot(...v).toFixed(3)}): ${JSON.stringify(results.edits[`vae ${name}`].rows)}`);
}

// The same edit in a pixel-PCA latent space (mean difference of the training codes, one standard deviation
// long, mapped back by inverseTransform); identity judged in the VAE's latent space like the others.
if (Number(values['pca-edit']) > 0) {
  const pca = await new PCA({ nComponents: Number(values['pca-edit']), svdSolver: 'randomized', randomState: 0 }).fit(train);
  const codec = { encode: (im) => pca.transform(im), decode: (Z) => pca.inverseTransform(Z) };
  const v = attributeDirection(await pca.transform(train), yTrain, { scale: 'spread' });
  results.edits[`pca${pca.nComponentsFitted} mean-spread`] = { length: Math.hypot(...v), rows: await measure(`pca${pca.nComponentsFitted} mean-spread`, codec, v, nums(values.strengths), vae) };
  log(`pca${pca.nComponentsFitted} mean-spread: ${JSON.stringify(results.edits[`pca${pca.nComponentsFitted} mean-spread`].rows)}`);
}

for (const [name, r] of Object.entries(results.edits)) {
  console.log(`\n${name}:\n| strength | smiling (recon. classifier) | smiling (real-face classifier) | identity kept |\n|---:|---:|---:|---:|`);
  for (const row of r.rows) console.log(`| ${row.strength} | ${(100 * row.smilingRecon).toFixed(1)} % | ${(100 * row.smilingReal).toFixed(1)} % | ${(100 * row.identityKept).toFixed(1)} % |`);
}
if (values.out) writeFileSync(values.out, JSON.stringify(results, null, 1));
await shutdown();
