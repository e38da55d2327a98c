// The mixture kernels against slow references: fused triangular Mahalanobis, diagonal distances and scatter,
// weighted centring, responsibilities and per-sample log-likelihood.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allBuilds, getEngine } from './helpers/engine.mjs';
import { randF32, randF64, maxRelErr } from './helpers/util.mjs';

const e = await getEngine();
const BUILDS = await allBuilds();

function triangular(d, upper, seed) {
  const f = randF32(d * d, seed);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (upper ? j < i : j > i) f[i * d + j] = 0;
  return f;
}

// The fused kernel runs the GEMM micro-kernel: checked on each build.
for (const [build, eng] of BUILDS)
  for (const [n, d] of [[1, 1], [3, 2], [7, 9], [50, 100], [13, 257]])
    for (const upper of [1, 0])
      test(`[${build}] gauss_maha ${n}×${d} ${upper ? 'upper' : 'lower'} factor`, () => {
        const ldx = d + 3;
        const X = randF32(n * ldx, n + d);
        const mu = randF32(d, 2);
        const F = triangular(d, upper, 3);
        const ldo = 2;
        const got = eng.scoped((take) => {
          const [px, pm, pf, po] = [take(X.length * 4), take(d * 4), take(d * d * 4), take(n * ldo * 8)];
          eng.f32(px, X.length).set(X);
          eng.f32(pm, d).set(mu);
          eng.f32(pf, d * d).set(F);
          eng.f64(po, n * ldo).fill(-1);
          eng.call('gauss_maha', n, d, px, ldx, pm, pf, upper, po, ldo);
          return eng.f64(po, n * ldo).slice();
        });
        for (let i = 0; i < n; i++) {
          let q = 0;
          for (let j = 0; j < d; j++) {
            let y = 0;
            for (let k = 0; k < d; k++) y += (X[i * ldx + k] - mu[k]) * F[k * d + j];
            q += y * y;
          }
          assert.ok(Math.abs(got[i * ldo] - q) <= 1e-5 * q + 1e-6, `row ${i}: ${got[i * ldo]} vs ${q}`);
          assert.is(got[i * ldo + 1], -1, 'stride respected');
        }
      });

test('diag_maha and diag_scatter', () => {
  const [n, d, K] = [11, 7, 3];
  const X = randF32(n * d, 1);
  const mu = randF32(K * d, 2);
  const prec = randF32(K * d, 3).map(Math.abs);
  const R = randF32(n * K, 4).map(Math.abs);
  const { q, s } = e.scoped((take) => {
    const [px, pm, pp, pr, pq, ps] = [take(n * d * 4), take(K * d * 4), take(K * d * 4), take(n * K * 4), take(n * K * 8), take(K * d * 8)];
    e.f32(px, n * d).set(X);
    e.f32(pm, K * d).set(mu);
    e.f32(pp, K * d).set(prec);
    e.f32(pr, n * K).set(R);
    e.f64(ps, K * d).fill(0);
    e.call('diag_maha', n, d, px, d, K, pm, pp, pq);
    e.call('diag_scatter', n, d, px, d, K, pm, pr, ps);
    return { q: e.f64(pq, n * K).slice(), s: e.f64(ps, K * d).slice() };
  });
  const rq = new Float64Array(n * K);
  const rs = new Float64Array(K * d);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < K; k++)
      for (let j = 0; j < d; j++) {
        const t = X[i * d + j] - mu[k * d + j];
        rq[i * K + k] += t * t * prec[k * d + j];
        rs[k * d + j] += R[i * K + k] * t * t;
      }
  assert.ok(maxRelErr(q, rq) < 1e-6);
  assert.ok(maxRelErr(s, rs) < 1e-6);
});

test('center_scale_rows: packs the rows at or above rmin, in order, and counts them', () => {
  const [n, d, K, rmin] = [7, 6, 2, 0.2];
  const X = randF32(n * d, 1);
  const mu = randF32(d, 2);
  const R = randF32(n * K, 3).map(Math.abs);
  R[1 * K + 1] = 0;
  R[4 * K + 1] = rmin; // kept: the bound is inclusive
  const { m, W } = e.scoped((take) => {
    const [px, pm, pr, pw] = [take(n * d * 4), take(d * 4), take(n * K * 4), take(n * d * 4)];
    e.f32(px, n * d).set(X);
    e.f32(pm, d).set(mu);
    e.f32(pr, n * K).set(R);
    const m = e.call('center_scale_rows', n, d, px, d, pm, pr, K, 1, rmin, pw);
    return { m, W: e.f32(pw, m * d).slice() };
  });
  const kept = Array.from({ length: n }, (_, i) => i).filter((i) => R[i * K + 1] >= Math.fround(rmin));
  assert.ok(kept.length > 1 && kept.length < n);
  assert.is(m, kept.length);
  kept.forEach((i, row) => {
    for (let j = 0; j < d; j++) assert.ok(Math.abs(W[row * d + j] - Math.sqrt(R[i * K + 1]) * (X[i * d + j] - mu[j])) < 1e-6);
  });
});

test('mixture_resp and mixture_loglik: stable, rows sum to the weight, −Infinity rows stay −Infinity', () => {
  const [n, K] = [4, 3];
  const lp = randF64(n * K, 5).map((v) => v * 800); // far outside exp's range without the shift
  lp[3 * K] = lp[3 * K + 1] = lp[3 * K + 2] = -Infinity;
  const logw = Float64Array.from([0.2, 0.3, 0.5].map(Math.log));
  const sw = Float32Array.from([1, 2, 0.5, 1]);
  const r = e.scoped((take) => {
    const [pl, pw, pr, pn, po, ps] = [take(n * K * 8), take(K * 8), take(n * K * 4), take(K * 8), take(n * 8), take(n * 4)];
    e.f64(pl, n * K).set(lp);
    e.f64(pw, K).set(logw);
    e.f64(pn, K).fill(0);
    e.f32(ps, n).set(sw);
    e.call('mixture_loglik', n, K, pl, pw, po);
    const total = e.call('mixture_resp', n - 1, K, pl, pw, pr, pn, ps);
    return { total, resp: e.f32(pr, (n - 1) * K).slice(), nk: e.f64(pn, K).slice(), ll: e.f64(po, n).slice() };
  });
  let expected = 0;
  for (let i = 0; i < n - 1; i++) {
    const terms = [0, 1, 2].map((k) => lp[i * K + k] + logw[k]);
    const m = Math.max(...terms);
    const lse = m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
    assert.ok(Math.abs(r.ll[i] - lse) < 1e-9 * Math.abs(lse));
    expected += sw[i] * lse;
    const rowSum = [0, 1, 2].reduce((s, k) => s + r.resp[i * K + k], 0);
    assert.ok(Math.abs(rowSum - sw[i]) < 1e-6, 'responsibilities sum to the sample weight');
  }
  assert.is(r.ll[3], -Infinity);
  assert.ok(Math.abs(r.total - expected) < 1e-9 * Math.abs(expected));
  assert.ok(Math.abs(r.nk.reduce((a, b) => a + b) - (1 + 2 + 0.5)) < 1e-6);
});

test.run();

test('mixture_resp: responsibilities below f32 normal range are stored as 0, never subnormal', () => {
  const K = 3;
  const lp = Float64Array.from([0, -90, -200]); // e^-90 ≈ 8e-40 (subnormal in f32), e^-200 underflows
  const logw = new Float64Array(K);
  const resp = e.scoped((take) => {
    const [pl, pw, pr, pn] = [take(K * 8), take(K * 8), take(K * 4), take(K * 8)];
    e.f64(pl, K).set(lp);
    e.f64(pw, K).set(logw);
    e.f64(pn, K).fill(0);
    e.call('mixture_resp', 1, K, pl, pw, pr, pn, 0);
    return e.f32(pr, K).slice();
  });
  assert.is(resp[0], 1);
  assert.is(resp[1], 0);
  assert.is(resp[2], 0);
});
