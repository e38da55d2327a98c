// gaussface's PCA + GMM on the evaluation sets: the mixture size and covariance type chosen by BIC and by 5-fold
// CV (selectComponents), each scored on the held-out images in pixel space (ImageModel.score), with the
// memorisation check (evaluate) and a sample grid. Usage: node bench/quality/ours.mjs lfw|celeba [--pca 100]
// Writes .bench-cache/quality/ours-<set>-pca<P>.json and docs/img/quality-<set>-pca<P>-{bic,cv}.png.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { evaluate, ImageModel, PCA, selectComponents, shutdown } from '../../dist/index.js';
import { imageGrid } from '../../dist/node.js';
import { CACHE, loadSet } from './data.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { pca: { type: 'string', default: '100' }, candidates: { type: 'string', default: '1,2,4,8' }, types: { type: 'string', default: 'full,diag' }, folds: { type: 'string', default: '5' } } });
const name = positionals[0] ?? 'lfw';
const t0 = performance.now();
const { spec, train, held } = await loadSet(name);
const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
console.error(`${name}: ${train.rows} training and ${held.rows} held-out images of ${train.cols} values (${seconds()} s)`);
const pca = await new PCA({ nComponents: Number(values.pca), svdSolver: 'randomized', randomState: 0 }).fit(train);
const features = await pca.transform(train);
console.error(`PCA ${pca.nComponentsFitted}: ${(100 * pca.explainedVarianceRatio.reduce((a, b) => a + b, 0)).toFixed(1)} % of the variance, noise variance ${pca.noiseVariance.toExponential(3)} (${seconds()} s)`);
const sel = await selectComponents(features, {
  candidates: values.candidates.split(',').map(Number), covarianceTypes: values.types.split(','), criterion: 'cv', folds: Number(values.folds), randomState: 0, onWarning: () => {},
  onFit: (r, done, total) => console.error(`  ${done}/${total} ${r.covarianceType} k=${r.nComponents}: BIC ${r.bic.toFixed(0)}, CV ${r.cv.toFixed(4)} (${seconds()} s)`),
});
const byBic = sel.table.reduce((a, b) => (b.bic < a.bic ? b : a));
const results = {};
for (const [label, row] of [['bic', byBic], ['cv', sel.bestRow]]) {
  // The chosen row's full-data fit: selectComponents returns the CV choice's model; the BIC choice is refitted
  // with the same seed (the same bits as its row of the sweep).
  const gm = row === sel.bestRow ? sel.best : (await selectComponents(features, { candidates: [row.nComponents], covarianceTypes: [row.covarianceType], randomState: 0, onWarning: () => {} })).best;
  const model = new ImageModel(spec, pca, gm);
  const ev = await evaluate(model, train, held, { nSamples: 200, randomState: 0 });
  const { images } = await model.sample(16, { randomState: 1 });
  writeFileSync(`docs/img/quality-${name}-pca${pca.nComponentsFitted}-${label}.png`, await imageGrid(images, { ...spec, cols: 8 }));
  results[label] = {
    nComponents: row.nComponents, covarianceType: row.covarianceType,
    heldOutPerPixel: ev.heldOutLogLikelihoodPerPixel, trainPerPixel: ev.trainLogLikelihoodPerPixel,
    medianSampleToTrain: ev.medianSampleToTrain, medianHeldOutToTrain: ev.medianHeldOutToTrain,
  };
  console.error(`${label}: ${row.covarianceType} k=${row.nComponents}, held-out ${ev.heldOutLogLikelihoodPerPixel.toFixed(4)} nats/pixel (train ${ev.trainLogLikelihoodPerPixel.toFixed(4)}), nearest-training median ${ev.medianSampleToTrain.toFixed(2)} samples vs ${ev.medianHeldOutToTrain.toFixed(2)} held-out (${seconds()} s)`);
}
const out = { set: name, pca: pca.nComponentsFitted, noiseVariance: pca.noiseVariance, table: sel.table, ...results, seconds: Number(seconds()) };
writeFileSync(`${CACHE}/ours-${name}-pca${pca.nComponentsFitted}.json`, JSON.stringify(out, null, 1));
await shutdown();
