// The MFA rows of QUALITY.md: a mixture of factor analysers fitted on LFW 64×64 gray (../shared/datasets/lfw,
// every 5th image held out as `gaussface fit --holdout` does), 2 workers: fit time (wall and the process's CPU,
// all threads), EM iterations, train and held-out log-likelihood per pixel.
//   node bench/mfa-lfw.mjs K Q [maxIter] [diagonal|isotropic] [--floor F] [--validation] [--save FILE]
// --validation fits on the training rows minus every 5th of them and scores those (the validation split that
// chooses options such as --floor without looking at the held-out images); --save writes the fitted model as a
// gaussface model file (for `gaussface evaluate` / `sample`).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HOLDOUT_RULE, ImageModel, MixtureOfFactorAnalyzers, Pool } from '../dist/index.js';
import { anchorSplit, loadShared, skipShared } from '../test/helpers/shared.mjs';

const { values: o, positionals } = parseArgs({ allowPositionals: true, options: { floor: { type: 'string' }, validation: { type: 'boolean' }, save: { type: 'string' } } });
const [K, q, maxIter] = [0, 1, 2].map((i, j) => Number(positionals[i] ?? [32, 16, 100][j]));
const noiseType = positionals[3] ?? 'diagonal';
const noiseFloor = Number(o.floor ?? 0);
if (!skipShared('lfw')) {
  const lfw = await loadShared('lfw');
  const { train, test } = o.validation ? anchorSplit(lfw.train) : lfw;
  const pool = await Pool.create({ workers: 2 });
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  const m = await new MixtureOfFactorAnalyzers({ nComponents: K, nFactors: q, noiseType, noiseFloor, maxIter, randomState: 0, pool,
    onProgress: (p) => console.error(`iteration ${p.iteration}: ${(p.lowerBound / train.cols).toFixed(5)} nats/pixel`) }).fit(train);
  const [wall, cpu] = [(performance.now() - t0) / 1000, process.cpuUsage(c0)];
  const row = { K, q, noiseType, noiseFloor, split: o.validation ? 'validation' : 'held-out', images: train.rows, nIter: m.nIter, converged: m.converged, fitSeconds: wall, cpuSeconds: (cpu.user + cpu.system) / 1e6,
    trainPerPixel: (await m.score(train)) / train.cols, [o.validation ? 'validationPerPixel' : 'heldOutPerPixel']: (await m.score(test)) / test.cols };
  console.log(JSON.stringify(row));
  if (o.save) {
    const provenance = { data: '../shared/datasets/lfw', images: String(train.rows), seed: '0', holdout: HOLDOUT_RULE, created: new Date().toISOString() };
    writeFileSync(o.save, new ImageModel({ width: 64, height: 64, channels: 1 }, m, provenance).toBytes());
  }
  pool.close();
}
