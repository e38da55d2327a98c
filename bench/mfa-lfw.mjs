// The MFA rows of QUALITY.md: a mixture of factor analysers fitted on LFW 64×64 gray (../shared/datasets/lfw,
// every 5th image held out as `gaussface fit --holdout` does), 2 workers: fit time (wall and the process's CPU,
// all threads), EM iterations, train and held-out log-likelihood per pixel.
//   node bench/mfa-lfw.mjs K Q [maxIter] [diagonal|isotropic]
import { MixtureOfFactorAnalyzers, Pool } from '../dist/index.js';
import { loadShared, skipShared } from '../test/helpers/shared.mjs';

const [K, q, maxIter] = [2, 3, 4].map((i, j) => Number(process.argv[i] ?? [32, 16, 100][j]));
const noiseType = process.argv[5] ?? 'diagonal';
if (!skipShared('lfw')) {
  const { train, test } = await loadShared('lfw');
  const pool = await Pool.create({ workers: 2 });
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  const m = await new MixtureOfFactorAnalyzers({ nComponents: K, nFactors: q, noiseType, maxIter, randomState: 0, pool,
    onProgress: (p) => console.error(`iteration ${p.iteration}: ${(p.lowerBound / train.cols).toFixed(5)} nats/pixel`) }).fit(train);
  const [wall, cpu] = [(performance.now() - t0) / 1000, process.cpuUsage(c0)];
  const row = { K, q, noiseType, images: train.rows, nIter: m.nIter, converged: m.converged, fitSeconds: wall, cpuSeconds: (cpu.user + cpu.system) / 1e6,
    trainPerPixel: (await m.score(train)) / train.cols, heldOutPerPixel: (await m.score(test)) / test.cols };
  console.log(JSON.stringify(row));
  pool.close();
}
