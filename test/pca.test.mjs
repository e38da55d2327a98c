// PCA against scikit-learn 1.2.1 (fixtures in test/fixtures, see its README), the randomized solver against the
// full one, the probabilistic model against a literal float64 port of scikit-learn's get_precision, determinism
// across worker counts, and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { PCA, Pool, GaussfaceError, shutdown } from '../dist/index.js';
import { rng, rejects } from './helpers/util.mjs';

const load = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));
const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
/** Largest |a − b| relative to the largest |b|. */
const relErr = (a, b) => {
  const bb = [b].flat(Infinity);
  assert.is(a.length, bb.length, 'length');
  const scale = Math.max(...bb.map(Math.abs), 1e-300);
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - bb[i]))) / scale;
};
const close = (a, b, tol, what) => assert.ok(relErr(a, b) < tol, `${what}: ${relErr(a, b)}`);

for (const name of ['pca_iris', 'pca_digits']) {
  const f = load(name);
  for (const c of f.cases) {
    test(`${name} n_components=${c.n_components}: every attribute as scikit-learn (signs included)`, async () => {
      const pca = await new PCA({ nComponents: c.n_components, svdSolver: 'full' }).fit(f.X);
      assert.is(pca.nComponentsFitted, c.n_components_);
      assert.is(pca.fittedSolver, 'full');
      close(pca.components.data, c.components_, 1e-5, 'components_');
      close(pca.explainedVariance, c.explained_variance_, 1e-6, 'explained_variance_');
      close(pca.explainedVarianceRatio, c.explained_variance_ratio_, 1e-6, 'explained_variance_ratio_');
      close(pca.singularValues, c.singular_values_, 1e-6, 'singular_values_');
      close(pca.mean, c.mean_, 1e-6, 'mean_');
      assert.ok(Math.abs(pca.noiseVariance - c.noise_variance_) <= 1e-6 * c.noise_variance_, `noise_variance_ ${pca.noiseVariance} vs ${c.noise_variance_}`);
      const T = await pca.transform(f.X.slice(0, 10));
      close(T.data, c.transform_first10, 1e-5, 'transform');
      close((await pca.inverseTransform(T)).data, c.inverse_transform_of_transform_first10, 1e-5, 'inverse_transform');
    });
  }
}

/** scikit-learn's get_precision + score_samples, literally, in float64 (dense d × d; Gauss–Jordan inverse). */
function refScoreSamples(pca, X) {
  const d = pca.components.cols;
  const k = pca.nComponentsFitted;
  const s2 = pca.noiseVariance;
  const ev = pca.explainedVariance;
  const C = Array.from({ length: k }, (_, j) => Array.from(pca.components.row(j), (v) => v * (pca.whiten ? Math.sqrt(ev[j]) : 1)));
  const diff = Array.from(ev, (v) => Math.max(v - s2, 0));
  const inv = (A) => {
    const n = A.length;
    const M = A.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => +(i === j))]);
    for (let i = 0; i < n; i++) {
      let p = i;
      for (let r = i + 1; r < n; r++) if (Math.abs(M[r][i]) > Math.abs(M[p][i])) p = r;
      [M[i], M[p]] = [M[p], M[i]];
      const piv = M[i][i];
      for (let j = 0; j < 2 * n; j++) M[i][j] /= piv;
      for (let r = 0; r < n; r++) if (r !== i) { const f = M[r][i]; for (let j = 0; j < 2 * n; j++) M[r][j] -= f * M[i][j]; }
    }
    return M.map((r) => r.slice(n));
  };
  const small = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => C[a].reduce((s, v, i) => s + v * C[b][i], 0) / s2 + (a === b ? 1 / diff[a] : 0)));
  const Si = inv(small);
  const P = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += C[a][i] * Si[a][b] * C[b][j];
    return -s / (s2 * s2) + (i === j ? 1 / s2 : 0);
  }));
  // log det P via LU (Gaussian elimination with partial pivoting)
  const L = P.map((r) => r.slice());
  let logdet = 0;
  for (let i = 0; i < d; i++) {
    let p = i;
    for (let r = i + 1; r < d; r++) if (Math.abs(L[r][i]) > Math.abs(L[p][i])) p = r;
    [L[i], L[p]] = [L[p], L[i]];
    logdet += Math.log(Math.abs(L[i][i]));
    for (let r = i + 1; r < d; r++) { const f = L[r][i] / L[i][i]; for (let j = i; j < d; j++) L[r][j] -= f * L[i][j]; }
  }
  return X.map((x) => {
    const xr = x.map((v, j) => v - pca.mean[j]);
    let q = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) q += xr[i] * P[i][j] * xr[j];
    return -0.5 * q - 0.5 * (d * Math.log(2 * Math.PI) - logdet);
  });
}

for (const [name, k] of [['pca_iris', 2], ['pca_digits', 10]]) {
  test(`${name}: scoreSamples and score match scikit-learn's precision formula (whiten false and true)`, async () => {
    const f = load(name);
    for (const whiten of [false, true]) {
      const pca = await new PCA({ nComponents: k, whiten, svdSolver: 'full' }).fit(f.X);
      const rows = f.X.slice(0, 40);
      const got = await pca.scoreSamples(rows);
      const ref = refScoreSamples(pca, rows);
      close(got, ref, 1e-5, `score_samples whiten=${whiten}`);
      const mean = ref.reduce((a, b) => a + b, 0) / ref.length;
      assert.ok(Math.abs((await pca.score(rows)) - mean) < 1e-5 * Math.abs(mean), 'score');
    }
  });
}

test('randomized solver on digits (k=10) agrees with the full one', async () => {
  const f = load('pca_digits');
  const full = await new PCA({ nComponents: 10, svdSolver: 'full' }).fit(f.X);
  const passes = [];
  const rnd = await new PCA({ nComponents: 10, svdSolver: 'randomized', randomState: 0, iteratedPower: 3, onProgress: (p) => passes.push(p) }).fit(f.X);
  assert.is(rnd.fittedSolver, 'randomized');
  assert.equal(passes.map((p) => `${p.pass}/${p.passes}`), ['1/4', '2/4', '3/4', '4/4']);
  close(rnd.explainedVariance, Array.from(full.explainedVariance), 1e-3, 'explained variance');
  close(rnd.explainedVarianceRatio, Array.from(full.explainedVarianceRatio), 1e-3, 'explained variance ratio');
  close(rnd.singularValues, Array.from(full.singularValues), 1e-3, 'singular values');
  assert.ok(Math.abs(rnd.noiseVariance - full.noiseVariance) < 1e-3 * full.noiseVariance, 'noise variance');
  // Same subspace: ‖Vr·Vfᵀ‖_F² = k; same signs: the diagonal is ≈ +1.
  let fro = 0;
  for (let a = 0; a < 10; a++)
    for (let b = 0; b < 10; b++) {
      let s = 0;
      for (let i = 0; i < 64; i++) s += rnd.components.get(a, i) * full.components.get(b, i);
      fro += s * s;
      if (a === b) assert.ok(s > 1 - 1e-3, `component ${a}: cosine ${s}`);
    }
  assert.ok(Math.abs(fro - 10) < 1e-3, `subspace ${fro}`);
});

test("'auto' picks scikit-learn 1.2's solver", async () => {
  const r = rng(5);
  const X = { data: Float32Array.from({ length: 600 * 50 }, () => r()), shape: [600, 50] };
  assert.is((await new PCA({ nComponents: 5, randomState: 0 }).fit(X)).fittedSolver, 'randomized');
  assert.is((await new PCA({ nComponents: 45 }).fit(X)).fittedSolver, 'full', 'k ≥ 0.8·min(n, d)');
  assert.is((await new PCA({ nComponents: 0.5 }).fit(X)).fittedSolver, 'full', 'fraction');
  const small = { data: X.data.subarray(0, 400 * 50), shape: [400, 50] };
  assert.is((await new PCA({ nComponents: 5 }).fit(small)).fittedSolver, 'full', 'max(n, d) ≤ 500');
});

test('all components of a wide matrix (n < d): exact reconstruction, ratios sum to 1, no noise', async () => {
  const r = rng(9);
  const X = Array.from({ length: 12 }, () => Array.from({ length: 30 }, () => r() * 2 - 1));
  const pca = await new PCA().fit(X);
  assert.is(pca.nComponentsFitted, 12);
  assert.is(pca.noiseVariance, 0);
  assert.ok(Math.abs(pca.explainedVarianceRatio.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  const back = await pca.inverseTransform(await pca.fitTransform(X));
  close(back.data, X, 1e-5, 'reconstruction');
});

test('whitening gives unit-variance projections and the same reconstruction', async () => {
  const f = load('pca_digits');
  const pca = await new PCA({ nComponents: 8, whiten: true, svdSolver: 'full' }).fit(f.X);
  const T = await pca.transform(f.X);
  for (let j = 0; j < 8; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < T.rows; i++) {
      s += T.get(i, j);
      s2 += T.get(i, j) ** 2;
    }
    const variance = (s2 - (s * s) / T.rows) / (T.rows - 1);
    assert.ok(Math.abs(variance - 1) < 1e-4, `column ${j} variance ${variance}`);
  }
  const plain = await new PCA({ nComponents: 8, svdSolver: 'full' }).fit(f.X);
  const rows = f.X.slice(0, 10);
  close((await pca.inverseTransform(await pca.transform(rows))).data, Array.from((await plain.inverseTransform(await plain.transform(rows))).data), 1e-5, 'reconstruction');
});

/** n × d rows of rank `rank` around `offset`, plus a little noise, drawn from rng(seed). */
function lowRank(seed, n, d, rank, offset = 0) {
  const r = rng(seed);
  const A = Float32Array.from({ length: n * rank }, () => r() * 2 - 1);
  const B = Float32Array.from({ length: rank * d }, () => r() * 2 - 1);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    let s = offset + 0.05 * (r() - 0.5);
    for (let t = 0; t < rank; t++) s += A[i * rank + t] * B[t * d + j];
    data[i * d + j] = s;
  }
  return data;
}

test('a seeded randomized fit is bit-identical with 1, 2 and 3 workers, in the calling thread, and per build', async () => {
  // d = 900: the sketch's per-chunk parts (900 × 20 values) are long enough for the calling thread to sum them in
  // its engine when the data is spread over workers, which has to give the bits of the one-worker program's sums.
  const [n, d] = [3000, 900];
  const X = { data: lowRank(11, n, d, 15), shape: [n, d] };
  // One worker (or the calling thread) runs the whole solver as one program; 2 and 3 workers share the passes.
  const fit = async (opts) => {
    const pool = await Pool.create(opts);
    try {
      const passes = [];
      const pca = await new PCA({ nComponents: 10, svdSolver: 'randomized', randomState: 3, pool, onProgress: (p) => passes.push(p.pass) }).fit(X);
      assert.equal(passes, [1, 2, 3, 4, 5, 6, 7, 8], 'progress after every pass');
      return [bytes(pca.components.data), bytes(pca.explainedVariance), bytes(pca.mean), pca.noiseVariance];
    } finally {
      pool.close();
    }
  };
  for (const fma of [false, true]) {
    const one = await fit({ workers: 1, fma });
    assert.equal(await fit({ workers: 2, fma }), one, `1 vs 2 workers${fma ? ', FMA build' : ''}`);
    assert.equal(await fit({ workers: 3, fma }), one, `1 vs 3 workers${fma ? ', FMA build' : ''}`);
    assert.equal(await fit({ inline: true, fma }), one, `1 worker vs calling thread${fma ? ', FMA build' : ''}`);
  }
});

test('streamed rows (read chunk by chunk on every pass) fit to the bits of the same rows resident, for both solvers', async () => {
  const [n, d] = [2500, 300];
  const data = lowRank(5, n, d, 8, 3);
  for (const workers of [1, 2]) {
    const pool = await Pool.create({ workers });
    try {
      for (const svdSolver of ['randomized', 'full']) {
        const opts = { nComponents: 5, svdSolver, randomState: 1, pool };
        let reads = 0;
        const source = { rows: n, cols: d, read: (a, b) => (reads++, data.slice(a * d, b * d)) };
        const streamed = pool.stream(source, { chunkRows: 400 });
        const s = await new PCA(opts).fit(streamed);
        assert.is(streamed.nChunks, 7);
        assert.ok(reads >= (svdSolver === 'full' ? 3 : 9) * streamed.nChunks, `every pass reads the source (${reads} reads)`);
        const resident = await pool.upload(data, n, d, { chunkRows: 400 }); // the stream's chunking, kept by the caller
        const a = await new PCA(opts).fit(resident);
        for (const [what, x, y] of [['components', s.components.data, a.components.data], ['variance', s.explainedVariance, a.explainedVariance], ['mean', s.mean, a.mean]])
          assert.is(bytes(x), bytes(y), `${svdSolver}, ${workers} worker(s): ${what}`);
        assert.is(s.noiseVariance, a.noiseVariance);
        // The caller's dataset is still there for another fit, and a matrix fit agrees.
        const again = await new PCA(opts).fit(resident);
        assert.is(bytes(again.components.data), bytes(a.components.data), 'a resident dataset is not released by a fit');
        const m = await new PCA(opts).fit({ data, shape: [n, d] });
        close(Array.from(m.explainedVariance), Array.from(s.explainedVariance), 1e-4, `${svdSolver}: as a matrix fit`);
        await pool.release(resident);
      }
    } finally {
      pool.close();
    }
  }
});

test("a Dataset uploaded with fitChunkRows fits to a matrix fit's bits, and transform projects it where it is", async () => {
  const [n, d] = [1200, 600];
  const data = lowRank(9, n, d, 6, 2);
  const pool = await Pool.create({ workers: 2 });
  try {
    for (const svdSolver of ['randomized', 'full']) {
      const opts = { nComponents: 4, svdSolver, randomState: 2, pool };
      const fromMatrix = await new PCA(opts).fit({ data, shape: [n, d] });
      const pca = new PCA(opts);
      const ds = await pool.upload(data, n, d, { chunkRows: pca.fitChunkRows(n, d) });
      await pca.fit(ds);
      assert.is(bytes(pca.components.data), bytes(fromMatrix.components.data), `${svdSolver}: the chunking fit uses for a matrix`);
      const projected = await pca.transform(ds);
      assert.equal([projected.rows, projected.cols], [n, 4]);
      assert.is(bytes(projected.data), bytes((await pca.transform({ data, shape: [n, d] })).data), `${svdSolver}: transform of the Dataset`);
      assert.ok(!ds.released, "transform leaves the caller's Dataset resident");
      const narrow = await pool.upload(data.subarray(0, n * 300), n, 300);
      const err = await pca.transform(narrow).catch((e) => e);
      assert.ok(err instanceof GaussfaceError && err.code === 'ESHAPE' && /300 columns but 600 were expected/.test(err.message), String(err));
      await pool.release(narrow);
      await pool.release(ds);
    }
  } finally {
    pool.close();
  }
});

test('bad input is a GaussfaceError that names the problem', async () => {
  const X = [[0, 1, 2], [1, 0, 3], [2, 2, 1], [3, 1, 0]];
  const e = await rejects(() => new PCA({ nComponents: 4 }).fit(X), /nComponents=4 must be ≤ min\(n_samples, n_features\) = 3/);
  assert.ok(e instanceof GaussfaceError);
  assert.throws(() => new PCA({ nComponents: 0 }), /nComponents must be an integer ≥ 1, a fraction/);
  assert.throws(() => new PCA({ nComponents: 1.5 }), /nComponents must be an integer ≥ 1, a fraction/);
  assert.throws(() => new PCA({ nComponents: 0.5, svdSolver: 'randomized' }), /fractional nComponents \(0.5\) needs svdSolver 'full'/);
  assert.throws(() => new PCA({ svdSolver: 'arpack' }), /svdSolver must be 'auto', 'full' or 'randomized'/);
  await rejects(() => new PCA().fit([[0, 1], [Infinity, 2]]), /X contains Infinity at row 1, column 0/);
  await rejects(() => new PCA().fit([[0, 1]]), /X has 1 sample; PCA needs at least 2/);
  await rejects(() => new PCA().transform(X), /not fitted yet: call fit/);
  const pca = await new PCA({ nComponents: 2 }).fit(X);
  await rejects(() => pca.transform([[1, 2]]), /X has 2 columns but 3 were expected/);
  await rejects(() => pca.inverseTransform([[1, 2, 3]]), /X has 3 columns but 2 were expected/);
  const wide = await new PCA().fit([[0, 1, 2], [1, 0, 3], [2, 2, 1]]); // 3 samples: rank 2 after centring
  await rejects(() => wide.scoreSamples(X), /covariance is singular/);
});

test('an aborted signal rejects with code EABORT', async () => {
  const err = await rejects(() => new PCA({ nComponents: 2, signal: AbortSignal.abort() }).fit(load('pca_iris').X), /cancelled/);
  assert.is(err.code, 'EABORT');
});

test.after(() => shutdown());
test.run();
