// The K = 1 mixture of factor analysers is scikit-learn's FactorAnalysis: our density with its fitted
// parameters must give its score_samples, and our EM must reach its maximum-likelihood score.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { MixtureOfFactorAnalyzers, shutdown } from '../dist/index.js';
import { mfaFromParams } from './helpers/mfa-reference.mjs';

const fx = JSON.parse(readFileSync(new URL('./fixtures/mfa_factor_analysis.json', import.meta.url)));
const [n, D, q] = [fx.X.length, fx.X[0].length, fx.n_components];

test('with FactorAnalysis\'s fitted parameters, scoreSamples equals its score_samples (5e-6 relative: the engine holds parameters and rows in float32)', async () => {
  const factors = new Float64Array(D * q);
  for (let j = 0; j < D; j++) for (let a = 0; a < q; a++) factors[j * q + a] = fx.components[a][j];
  const m = mfaFromParams({ weights: [1], means: fx.mean, factors, noise: fx.noise_variance }, { K: 1, D, q });
  const s = await m.scoreSamples(fx.X);
  s.forEach((v, i) => assert.ok(Math.abs(v - fx.score_samples[i]) < 5e-6 * Math.abs(fx.score_samples[i]), `row ${i}: ${v} vs ${fx.score_samples[i]}`));
});

test('EM at K = 1 reaches FactorAnalysis\'s maximum likelihood (within 1e-5 nats per sample)', async () => {
  const m = await new MixtureOfFactorAnalyzers({ nComponents: 1, nFactors: q, randomState: 0, tol: 0, maxIter: 300, regCovar: 1e-12 }).fit(fx.X);
  const score = await m.score(fx.X);
  assert.ok(Math.abs(score - fx.score) < 1e-5, `ours ${score} vs scikit-learn ${fx.score}`);
});

test.after(shutdown);
test.run();
