// KMeans and k-means++ against scikit-learn 1.2.1 (fixtures in test/fixtures, see its README), determinism
// across worker counts, and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { KMeans, kmeansPlusPlus, Pool, RandomState, GaussfaceError, shutdown } from '../dist/index.js';
import { rng, rejects } from './helpers/util.mjs';

const load = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));
const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const relErr = (a, b) => {
  const bb = b.flat(Infinity);
  const scale = Math.max(...bb.map(Math.abs));
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - bb[i]))) / scale;
};

/** n points around `centers` well-separated blob centres in d dimensions (seeded). */
function blobs(n, d, centers, seed = 1, spread = 0.5) {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const C = Array.from({ length: centers * d }, () => r() * 40 - 20);
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * centers);
    for (let j = 0; j < d; j++) X[i * d + j] = C[c * d + j] + gauss() * spread;
  }
  return { data: X, shape: [n, d] };
}

const iris = load('kmeans_iris');
for (const c of iris.cases) {
  test(`kmeans_iris init rows ${c.init_rows}: labels, n_iter, centres and inertia as scikit-learn`, async () => {
    const km = await new KMeans({ nClusters: 3, init: c.init, maxIter: 300, tol: c.tol }).fit(iris.X);
    assert.equal(Array.from(km.labels), c.labels_, 'labels_');
    assert.is(km.nIter, c.n_iter_, 'n_iter_');
    assert.ok(relErr(km.clusterCenters.data, c.cluster_centers_) < 1e-6, `cluster_centers_ ${relErr(km.clusterCenters.data, c.cluster_centers_)}`);
    assert.ok(Math.abs(km.inertia - c.inertia_) <= 1e-6 * c.inertia_, `inertia_ ${km.inertia} vs ${c.inertia_}`);
    assert.equal(Array.from(await km.predict(iris.X)), c.labels_, 'predict(X) = labels_');
    assert.ok(Math.abs(-(await km.score(iris.X)) - c.inertia_) <= 1e-6 * c.inertia_, 'score = −inertia');
  });
}

// scikit-learn 1.2.1 on iris, printed by Debian's python3-sklearn: kmeans_plusplus(X, k, random_state=s) indices,
// and KMeans(..., random_state=0) n_iter_ / inertia_. The seeding draws numpy's RandomState, so a seed here starts
// where the same seed starts there.
test('a seed picks the k-means++ rows of scikit-learn and gives its fit (n_init 1 and 4, init random)', async () => {
  assert.equal(Array.from((await kmeansPlusPlus(iris.X, 3, { randomState: 0 })).indices), [47, 116, 92]);
  assert.equal(Array.from((await kmeansPlusPlus(iris.X, 5, { randomState: 42 })).indices), [102, 11, 88, 83, 110]);
  for (const [opts, nIter, inertia] of [[{ nClusters: 3 }, 8, 78.85566582597731], [{ nClusters: 3, nInit: 4 }, 5, 78.851441426146], [{ nClusters: 5, init: 'random' }, 6, 50.2919463492739]]) {
    const km = await new KMeans({ ...opts, randomState: 0 }).fit(iris.X);
    assert.is(km.nIter, nIter, `n_iter_ ${JSON.stringify(opts)}`);
    assert.ok(Math.abs(km.inertia / inertia - 1) < 1e-6, `inertia_ ${km.inertia} vs ${inertia}`);
  }
});

test('transform gives the Euclidean distances to the centres', async () => {
  const km = await new KMeans({ nClusters: 3, init: iris.cases[0].init }).fit(iris.X);
  const D = await km.transform(iris.X.slice(0, 20));
  assert.equal([D.rows, D.cols], [20, 3]);
  const C = km.clusterCenters;
  for (let i = 0; i < 20; i++)
    for (let k = 0; k < 3; k++) {
      const ref = Math.hypot(...iris.X[i].map((v, j) => v - C.get(k, j)));
      assert.ok(Math.abs(D.get(i, k) - ref) < 1e-4 * (1 + ref), `distance (${i}, ${k}): ${D.get(i, k)} vs ${ref}`);
    }
});

test('empty cluster relocated to the farthest point (scikit-learn 1.2.1: labels, centres, 3 iterations)', async () => {
  const X = [0, 0.1, 0.2, 10, 10.1, 10.2, 20, 20.1].map((v) => [v]);
  const km = await new KMeans({ nClusters: 3, init: [[0], [10], [100]] }).fit(X);
  assert.equal(Array.from(km.labels), [0, 0, 0, 1, 1, 1, 2, 2]);
  assert.ok(relErr(km.clusterCenters.data, [0.1, 10.1, 20.05]) < 1e-6);
  assert.is(km.nIter, 3);
  assert.ok(Math.abs(km.inertia - 0.045) < 1e-6);
});

test('sample weights (scikit-learn 1.2.1 values) and integer weights = repeated rows', async () => {
  const X = [[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5]];
  const w = [1, 2, 3, 1, 1, 4];
  const km = await new KMeans({ nClusters: 2, init: [X[0], X[1]] }).fit(X, { sampleWeight: w });
  assert.equal(Array.from(km.labels), [0, 0, 0, 1, 1, 1]);
  assert.ok(relErr(km.clusterCenters.data, [0.5, 1 / 3, 17 / 3, 31 / 6]) < 1e-6);
  assert.is(km.nIter, 3);
  assert.ok(Math.abs(km.inertia - 5) < 1e-5);
  const repeated = X.flatMap((x, i) => Array(w[i]).fill(x));
  const km2 = await new KMeans({ nClusters: 2, init: [X[0], X[1]] }).fit(repeated);
  assert.ok(relErr(km2.clusterCenters.data, Array.from(km.clusterCenters.data)) < 1e-6);
  assert.ok(Math.abs(km2.inertia - km.inertia) < 1e-5);
});

test('k-means++: distinct rows of X, deterministic for a seed, better than random init on blobs', async () => {
  const X = blobs(3000, 5, 10, 3);
  const a = await kmeansPlusPlus(X, 10, { randomState: 4 });
  const b = await kmeansPlusPlus(X, 10, { randomState: 4 });
  assert.equal(Array.from(a.indices), Array.from(b.indices), 'same seed, same centres');
  assert.is(new Set(a.indices).size, 10, 'distinct rows');
  a.indices.forEach((r, k) => assert.equal(Array.from(a.centers.row(k)), Array.from(X.data.subarray(r * 5, r * 5 + 5)), 'centre = row of X'));
  let pp = 0;
  let random = 0;
  for (let seed = 0; seed < 5; seed++) {
    pp += (await new KMeans({ nClusters: 10, randomState: seed }).fit(X)).inertia;
    random += (await new KMeans({ nClusters: 10, init: 'random', randomState: seed }).fit(X)).inertia;
  }
  assert.ok(pp < random, `k-means++ ${pp} vs random ${random}`);
});

test('a seeded fit (k-means++ and Lloyd) is bit-identical with 1, 2 and 3 workers', async () => {
  const X = blobs(20000, 12, 15, 5, 3);
  const runs = [];
  for (const workers of [1, 2, 3]) {
    const pool = await Pool.create({ workers });
    try {
      const km = await new KMeans({ nClusters: 12, randomState: 7, nInit: 2, pool }).fit(X);
      const pp = await kmeansPlusPlus(X, 12, { randomState: 9, pool, sampleWeight: Array.from({ length: 20000 }, (_, i) => 1 + (i % 3)) });
      runs.push([bytes(km.clusterCenters.data), bytes(km.labels), km.inertia, km.nIter, bytes(pp.indices)]);
    } finally {
      pool.close();
    }
  }
  assert.ok(runs[0][3] > 1, 'several iterations');
  assert.equal(runs[1], runs[0], '1 vs 2 workers');
  assert.equal(runs[2], runs[0], '1 vs 3 workers');
});

test('small data runs whole in one worker, large data across workers: the same bits either way', async () => {
  // 60000 × 12 rows, K = 50: above the one-worker threshold (n·d·K > 2^25), so 2 and 3 workers split the data,
  // while a one-worker pool and an inline pool run the fit as one program.
  const X = blobs(60000, 12, 40, 11, 2);
  const w = Array.from({ length: 60000 }, (_, i) => 1 + (i % 4));
  const runs = [];
  for (const mode of ['inline', 1, 2, 3]) {
    const pool = await Pool.create(mode === 'inline' ? { inline: true } : { workers: mode });
    try {
      const rs = new RandomState(5);
      const steps = [];
      const km = await new KMeans({ nClusters: 50, randomState: rs, nInit: 2, maxIter: 30, pool, onProgress: (p) => steps.push(p.iteration) }).fit(X, { sampleWeight: w });
      const pp = await kmeansPlusPlus(X, 50, { randomState: rs, pool });
      runs.push([bytes(km.clusterCenters.data), bytes(km.labels), km.inertia, km.nIter, bytes(pp.indices), rs.nextUint32(), steps.length]);
    } finally {
      pool.close();
    }
  }
  assert.ok(runs[0][3] > 1 && runs[0][6] > runs[0][3], 'several iterations, progress for both runs');
  runs.slice(1).forEach((r, i) => assert.equal(r, runs[0], `${['1 worker', '2 workers', '3 workers'][i]} vs inline`));
});

test('a fit run whole in one worker can be cancelled, and the pool works afterwards', async () => {
  const X = blobs(20000, 12, 15, 5, 3);
  const pool = await Pool.create({ workers: 1 });
  try {
    const ac = new AbortController();
    const km = new KMeans({ nClusters: 12, nInit: 50, tol: 0, randomState: 1, pool, signal: ac.signal, onProgress: () => ac.abort() });
    const err = await km.fit(X).then(() => null, (e) => e);
    assert.ok(err instanceof GaussfaceError && err.code === 'EABORT', String(err));
    assert.ok((await new KMeans({ nClusters: 3, randomState: 0, pool }).fit(X)).nIter >= 1);
  } finally {
    pool.close();
  }
});

/** Plain Lloyd in f64 from the given centres until no label changes: the labels and iterations bounds must keep. */
function plainLloyd(X, n, d, C0, K) {
  let C = Float64Array.from(C0);
  let prev = null;
  for (let it = 1; ; it++) {
    const lab = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (X[i * d + j] - C[k * d + j]) ** 2;
        if (s < best) [best, lab[i]] = [s, k];
      }
    }
    const sums = new Float64Array(K * d);
    const counts = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      counts[lab[i]]++;
      for (let j = 0; j < d; j++) sums[lab[i] * d + j] += X[i * d + j];
    }
    assert.ok(counts.every((c) => c > 0), 'the reference data keeps every cluster non-empty');
    C = sums.map((v, i) => v / counts[Math.floor(i / d)]);
    if (prev && lab.every((v, i) => v === prev[i])) return { labels: lab, nIter: it };
    prev = lab;
  }
}

for (const K of [20, 70])
  test(`K=${K}${K > 64 ? ' (no per-centre bounds)' : ''}: the labels and iterations of plain Lloyd`, async () => {
    const [n, d] = [1500, 6];
    const X = blobs(n, d, 12, 5, 6).data; // overlapping blobs: many rows change cluster for many iterations
    const C0 = Array.from({ length: K }, (_, k) => Array.from(X.subarray(k * 7 * d, k * 7 * d + d)));
    const ref = plainLloyd(X, n, d, C0.flat(), K);
    const km = await new KMeans({ nClusters: K, init: C0, maxIter: 300, tol: 0 }).fit({ data: X, shape: [n, d] });
    assert.ok(ref.nIter > 5, `a long run (${ref.nIter} iterations)`);
    assert.is(km.nIter, ref.nIter);
    assert.equal(Array.from(km.labels), Array.from(ref.labels));
  });

test('onProgress reports every iteration; fitPredict returns the labels', async () => {
  const seen = [];
  const km = new KMeans({ nClusters: 3, init: iris.cases[1].init, onProgress: (p) => seen.push(p) });
  const labels = await km.fitPredict(iris.X);
  assert.equal(Array.from(labels), iris.cases[1].labels_);
  assert.is(seen.length, km.nIter);
  assert.equal(seen.map((p) => p.iteration), Array.from({ length: km.nIter }, (_, i) => i + 1));
});

test('bad input is a GaussfaceError that names the problem', async () => {
  const X = [[0, 1], [1, 0], [2, 2]];
  const e1 = await rejects(() => new KMeans({ nClusters: 4 }).fit(X), /3 samples but nClusters is 4/);
  assert.ok(e1 instanceof GaussfaceError);
  await rejects(() => new KMeans({ nClusters: 2 }).fit([[0, 1], [NaN, 0], [2, 2]]), /X contains NaN at row 1, column 0/);
  await rejects(() => new KMeans({ nClusters: 2 }).predict(X), /not fitted yet: call fit/);
  const km = await new KMeans({ nClusters: 2, randomState: 0 }).fit(X);
  await rejects(() => km.predict([[1, 2, 3]]), /X has 3 columns but 2 were expected/);
  await rejects(() => new KMeans({ nClusters: 2, init: [[0, 1, 2], [1, 1, 1]] }).fit(X), /init has 3 columns but 2 were expected/);
  await rejects(() => new KMeans({ nClusters: 2, init: [[0, 1]] }).fit(X), /init has 1 rows but nClusters is 2/);
  await rejects(() => new KMeans({ nClusters: 2 }).fit(X, { sampleWeight: [1, 2] }), /sampleWeight has 2 values but X has 3 rows/);
  assert.throws(() => new KMeans({ nClusters: 0 }), /nClusters must be an integer ≥ 1/);
  assert.throws(() => new KMeans({ init: 'kmeans' }), /init must be 'k-means\+\+', 'random' or an array/);
  await rejects(() => kmeansPlusPlus(X, 5), /3 samples but nClusters is 5/);
});

test('an aborted signal rejects with code EABORT', async () => {
  const err = await rejects(() => new KMeans({ nClusters: 3, signal: AbortSignal.abort() }).fit(iris.X), /cancelled/);
  assert.is(err.code, 'EABORT');
});

test.after(() => shutdown());
test.run();
