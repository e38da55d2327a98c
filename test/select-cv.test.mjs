// Held-out model selection (criterion 'cv'): scikit-learn's KFold splits, the same table with 1 and 2 workers,
// the same numbers as the obvious reference (fit each fold with GaussianMixture, average the held-out scores),
// and the choice it makes where BIC cannot see the difference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { GaussianMixture, kFoldSplits, Matrix, Pool, RandomState, selectComponents, shutdown, takeRows } from '../dist/index.js';
import { rejects } from './helpers/util.mjs';

const quiet = { onWarning: () => {} };
const blobs = JSON.parse(readFileSync(new URL('./fixtures/gmm_blobs2d.json', import.meta.url))).X;

test('kFoldSplits are scikit-learn 1.2.1 KFold(3, shuffle=True, random_state=7) on 10 rows', () => {
  const folds = kFoldSplits(10, 3, 7);
  assert.equal(folds.map((f) => Array.from(f.test)), [[0, 2, 5, 8], [1, 7, 9], [3, 4, 6]]);
  assert.equal(Array.from(folds[1].train), [0, 2, 3, 4, 5, 6, 8]);
});

/** n rows of d features from 3 well-separated Gaussians (seeded), big enough for several chunks per fold. */
function threeBlobs(n, d, seed) {
  const rs = new RandomState(seed);
  const u = rs.uniform(n * d * 2 + n);
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(u[n * d * 2 + i] * 3);
    for (let j = 0; j < d; j++) {
      const [a, b] = [u[2 * (i * d + j)], u[2 * (i * d + j) + 1]];
      const g = Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b); // Box–Muller
      X[i * d + j] = g * (0.5 + 0.1 * c) + (j % 3 === c ? 4 : 0);
    }
  }
  return new Matrix(n, d, X);
}

const X = threeBlobs(5000, 64, 1); // 1.3 MB: the whole set and each training fold span two chunks
const opts = { candidates: [1, 2, 3, 4], covarianceTypes: ['full', 'diag'], criterion: 'cv', folds: 4, randomState: 0, ...quiet };

test("criterion 'cv': the same table, bit for bit, with 1 and 2 workers, and the reference's numbers", async () => {
  const run = async (workers) => {
    const pool = await Pool.create({ workers });
    try {
      return await selectComponents(X, { ...opts, pool });
    } finally {
      pool.close();
    }
  };
  const [one, two] = [await run(1), await run(2)];
  assert.equal(two.table, one.table);
  assert.equal([one.bestRow.nComponents, one.bestRow.covarianceType], [3, 'diag']); // the blobs' noise is diagonal
  // The slow obvious reference: each fold fitted on its own, one after the other, scored on its held-out rows.
  const folds = kFoldSplits(X.rows, 4, 0);
  for (const row of one.table) {
    const scores = [];
    for (const f of folds) {
      const gm = await new GaussianMixture({ nComponents: row.nComponents, covarianceType: row.covarianceType, randomState: 0, ...quiet }).fit(takeRows(X, f.train));
      scores.push(await gm.score(takeRows(X, f.test)));
    }
    assert.equal(row.cvFolds, scores, `${row.covarianceType} k=${row.nComponents}`);
    assert.is(row.cv, scores.reduce((a, b) => a + b, 0) / scores.length);
  }
  // The model returned is the full-data fit of the chosen row, and BIC/AIC are still reported.
  const full = await new GaussianMixture({ nComponents: 3, covarianceType: 'diag', randomState: 0, ...quiet }).fit(X);
  assert.equal(Array.from(one.best.means.data), Array.from(full.means.data));
  assert.is(one.bestRow.bic, await full.bic(X));
});

test('CV scores rise up to the true k and the held-out score is below the training score', async () => {
  const { table } = await selectComponents(blobs, { candidates: [1, 2, 3, 4], criterion: 'cv', folds: 5, randomState: 0, ...quiet });
  const cv = table.map((r) => r.cv);
  assert.ok(cv[0] < cv[1] && cv[1] < cv[2], `cv ${cv}`);
  table.forEach((r) => assert.ok(r.cv < r.lowerBound + 0.05, `k=${r.nComponents}: held-out ${r.cv} vs train ${r.lowerBound}`));
});

test('BIC/AIC tables get the CV column when folds are given, without changing their choice', async () => {
  const plain = await selectComponents(blobs, { candidates: [1, 2, 3], randomState: 0, ...quiet });
  const both = await selectComponents(blobs, { candidates: [1, 2, 3], folds: 3, randomState: 0, ...quiet });
  assert.is(plain.table[0].cv, undefined);
  assert.ok(both.table.every((r) => Number.isFinite(r.cv) && r.cvFolds.length === 3));
  assert.equal(both.table.map((r) => r.bic), plain.table.map((r) => r.bic));
  assert.is(both.bestRow.nComponents, plain.bestRow.nComponents);
});

test('bad folds and streamed data are errors that say what to do', async () => {
  await assert.is((await rejects(() => selectComponents(blobs, { criterion: 'cv', folds: 1 }), /folds must be an integer ≥ 2/)).code, 'EINPUT');
  await assert.is((await rejects(() => selectComponents(blobs.slice(0, 4), { candidates: [1], criterion: 'cv', folds: 5 }), /cannot exceed the 4 samples/)).code, 'EINPUT');
  await assert.is((await rejects(() => selectComponents(blobs.slice(0, 10), { candidates: [9], criterion: 'cv', folds: 5 }), /exceeds the 8 samples of a training fold/)).code, 'EINPUT');
  await assert.is((await rejects(() => selectComponents(blobs, { criterion: 'loo' }), /'bic', 'aic' or 'cv'/)).code, 'EINPUT');
  const pool = await Pool.create({ workers: 1 });
  try {
    const flat = Float32Array.from(blobs.flat());
    const ds = pool.stream({ rows: blobs.length, cols: 2, read: (a, b) => flat.slice(2 * a, 2 * b) });
    await assert.is((await rejects(() => selectComponents(ds, { criterion: 'cv', pool }), /needs them in memory/)).code, 'EINPUT');
  } finally {
    pool.close();
  }
});

test.after(shutdown);
test.run();
