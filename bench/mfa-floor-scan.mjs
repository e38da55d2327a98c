// How QUALITY.md chose MFA's noiseFloor without looking at the held-out faces: fit on LFW's training rows minus
// every 5th of them (no floor), then score those validation rows with every Ψ_kj clamped at floor × the pixel's
// variance in the fitting rows, for several floors — one fit, many scores. (A fit with the floor in EM, as the
// final models use, also lets the loadings adapt to it.)
//   node bench/mfa-floor-scan.mjs K Q maxIter [0,0.01,0.015,0.02,0.025,0.03,0.04]
import { MixtureOfFactorAnalyzers, Pool } from '../dist/index.js';
import { anchorSplit, loadShared, skipShared } from '../test/helpers/shared.mjs';

const [K, q, maxIter] = process.argv.slice(2, 5).map(Number);
const floors = (process.argv[5] ?? '0,0.01,0.015,0.02,0.025,0.03,0.04').split(',').map(Number);
if (!skipShared('lfw')) {
  const { train, test } = anchorSplit((await loadShared('lfw')).train);
  const [n, D] = [train.rows, train.cols];
  const pool = await Pool.create({ workers: 2 });
  const m = await new MixtureOfFactorAnalyzers({ nComponents: K, nFactors: q, maxIter, randomState: 0, pool }).fit(train);
  const v = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    let [s, s2] = [0, 0];
    for (let i = 0; i < n; i++) [s, s2] = [s + train.data[i * D + j], s2 + train.data[i * D + j] ** 2];
    v[j] = s2 / n - (s / n) ** 2;
  }
  const { tensors, metadata } = m.toState();
  const t = Object.fromEntries(Object.entries(tensors).map(([k, x]) => [k, { dtype: 'F64', ...x }]));
  for (const floor of floors) {
    const noise = t['mfa.noise'].data.map((p, i) => Math.max(p, floor * v[i % D]));
    const clamped = MixtureOfFactorAnalyzers.fromState({ ...t, 'mfa.noise': { ...t['mfa.noise'], data: noise } }, metadata, 'mfa.', { pool });
    console.log(JSON.stringify({ K, q, nIter: m.nIter, floor, validationPerPixel: (await clamped.score(test)) / D }));
  }
  pool.close();
}
