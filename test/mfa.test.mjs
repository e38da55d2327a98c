// Mixture of factor analysers: the Woodbury kernels against a slow dense reference (Σ_k = ΛΛᵀ + Ψ formed
// explicitly in f64, small D), one EM step against Ghahramani & Hinton's updates written out densely, the lower
// bound never falling, the same bits with 1 and 2 workers, streamed = resident, model state and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MixtureOfFactorAnalyzers, Pool, shutdown } from '../dist/index.js';
import { rejects, rng } from './helpers/util.mjs';
import { denseEmStep, denseLogProb, gaussian, mfaFromParams } from './helpers/mfa-reference.mjs';

const [K, D, q] = [3, 12, 2];

/** A known MFA (well separated means, random loadings, uneven noise) and n draws from it. */
function truth(seed = 1) {
  const r = rng(seed);
  const g = gaussian(r);
  const weights = Float64Array.of(0.5, 0.3, 0.2);
  const means = Float64Array.from({ length: K * D }, (_, i) => 3 * Math.floor(i / D) * Math.sin(i) + g() * 0.5);
  const factors = Float64Array.from({ length: K * D * q }, () => g());
  const noise = Float64Array.from({ length: K * D }, () => 0.05 + 0.3 * r());
  return { weights, means, factors, noise };
}

function draw(p, n, seed = 2) {
  const r = rng(seed);
  const g = gaussian(r);
  const X = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const u = r();
    const k = u < p.weights[0] ? 0 : u < p.weights[0] + p.weights[1] ? 1 : 2;
    const z = [g(), g()];
    for (let j = 0; j < D; j++) {
      let v = p.means[k * D + j] + Math.sqrt(p.noise[k * D + j]) * g();
      for (let a = 0; a < q; a++) v += p.factors[(k * D + j) * q + a] * z[a];
      X[i * D + j] = v;
    }
  }
  return { data: X, shape: [n, D] };
}

const P = truth();
const X = draw(P, 400);

test('log-densities and responsibilities equal the dense f64 reference (Σ = ΛΛᵀ + Ψ formed explicitly)', async () => {
  const m = mfaFromParams(P, { K, D, q });
  const ours = await m.scoreSamples(X);
  const { logp, resp } = denseLogProb(P, X.data, 400, K, D, q);
  for (let i = 0; i < 400; i++) assert.ok(Math.abs(ours[i] - logp[i]) < 2e-4 * (1 + Math.abs(logp[i])), `row ${i}: ${ours[i]} vs ${logp[i]}`);
  const pr = await m.predictProba(X);
  for (let i = 0; i < pr.data.length; i++) assert.ok(Math.abs(pr.data[i] - resp[i]) < 1e-4, `resp ${i}: ${pr.data[i]} vs ${resp[i]}`);
});

test('one EM step equals the dense Ghahramani–Hinton update (weights, means, loadings, noise)', async () => {
  const m = mfaFromParams(P, { K, D, q }, { maxIter: 1, warmStart: true, regCovar: 1e-12 });
  await m.fit(X);
  const ref = denseEmStep(P, X.data, 400, K, D, q);
  const close = (a, b, tol, what) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${v} vs ${b[i]}`));
  close(m.weights, ref.weights, 1e-5, 'weights');
  close(m.means.data, ref.means, 1e-4, 'means');
  close(m.factors, ref.factors, 1e-3, 'factors');
  close(m.noise, ref.noise, 1e-3, 'noise');
  assert.ok(Math.abs(m.lowerBound - ref.loglik) < 1e-4 * Math.abs(ref.loglik), `lower bound ${m.lowerBound} vs ${ref.loglik}`);
});

test('noiseFloor: one EM step equals the dense update with Ψ_kj clamped to floor·Var(x_j), and EM stays monotone', async () => {
  const n = 400;
  const v = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    let [s, s2] = [0, 0];
    for (let i = 0; i < n; i++) [s, s2] = [s + X.data[i * D + j], s2 + X.data[i * D + j] ** 2];
    v[j] = s2 / n - (s / n) ** 2;
  }
  const floor = 0.08;
  const ref = denseEmStep(P, X.data, n, K, D, q);
  const clamped = ref.noise.map((psi, i) => Math.max(psi, floor * v[i % D]));
  const bound = clamped.filter((c, i) => c !== ref.noise[i]).length;
  assert.ok(bound > 3 && bound < K * D - 3, `the floor binds for some noise variances and not others (${bound} of ${K * D})`);
  const m = mfaFromParams(P, { K, D, q }, { maxIter: 1, warmStart: true, regCovar: 1e-12, noiseFloor: floor });
  await m.fit(X);
  m.noise.forEach((psi, i) => assert.ok(Math.abs(psi - clamped[i]) < 1e-3 * clamped[i], `noise[${i}]: ${psi} vs ${clamped[i]} (unclamped ${ref.noise[i]})`));
  m.factors.forEach((f, i) => assert.ok(Math.abs(f - ref.factors[i]) < 1e-3 * (1 + Math.abs(ref.factors[i])), `factors[${i}]`));
  for (const noiseType of ['diagonal', 'isotropic']) {
    const fit = await new MixtureOfFactorAnalyzers({ nComponents: K, nFactors: q, noiseType, noiseFloor: floor, randomState: 0, maxIter: 30, tol: 0 }).fit(X);
    const lb = fit.lowerBounds;
    for (let i = 1; i < lb.length; i++) assert.ok(lb[i] >= lb[i - 1] - 1e-6 * Math.abs(lb[i - 1]), `${noiseType} iteration ${i + 1}: ${lb[i]} < ${lb[i - 1]}`);
    const meanV = v.reduce((a, b) => a + b, 0) / D;
    fit.noise.forEach((psi, i) => assert.ok(psi >= floor * (noiseType === 'isotropic' ? meanV : v[i % D]) * (1 - 1e-5), `${noiseType} noise[${i}] ${psi} below the floor`));
    const s = fit.toState();
    assert.is(s.metadata['mfa.noise_floor'], String(floor));
    const back = MixtureOfFactorAnalyzers.fromState(Object.fromEntries(Object.entries(s.tensors).map(([k, t]) => [k, { dtype: 'F64', ...t }])), s.metadata);
    assert.is(back.noiseFloor, floor);
  }
  assert.throws(() => new MixtureOfFactorAnalyzers({ noiseFloor: 1 }), /noiseFloor must be a fraction of the pixel variance in \[0, 1\), got 1/);
});

test('EM never lowers the lower bound, and recovers the generating model', async () => {
  for (const noiseType of ['diagonal', 'isotropic']) {
    const m = await new MixtureOfFactorAnalyzers({ nComponents: K, nFactors: q, noiseType, randomState: 0, maxIter: 60, tol: 0 }).fit(X);
    const lb = m.lowerBounds;
    for (let i = 1; i < lb.length; i++) assert.ok(lb[i] >= lb[i - 1] - 1e-6 * Math.abs(lb[i - 1]), `${noiseType} iteration ${i + 1}: ${lb[i]} < ${lb[i - 1]}`);
    if (noiseType === 'isotropic') for (let k = 0; k < K; k++) assert.ok(m.noise.subarray(k * D, (k + 1) * D).every((v) => v === m.noise[k * D]), 'isotropic noise');
    else {
      const truthScore = await mfaFromParams(P, { K, D, q }).score(X);
      assert.ok(m.lowerBound > truthScore, `the fit (${m.lowerBound}) scores its own data at least as well as the truth (${truthScore})`);
    }
  }
});

test('same bits with 1 and 2 workers (7 chunks reduced in order); a streamed fit equals the resident one', async () => {
  const fit = async (pool, data) => new MixtureOfFactorAnalyzers({ nComponents: K, nFactors: q, randomState: 3, maxIter: 8, tol: 0, pool }).fit(data);
  const [p1, p2] = [await Pool.create({ workers: 1 }), await Pool.create({ workers: 2 })];
  try {
    const chunkRows = 64;
    const [r1, r2] = [await p1.upload(X.data, 400, D, { chunkRows }), await p2.upload(X.data, 400, D, { chunkRows })];
    assert.is(r2.nChunks, 7);
    const [a, b] = [await fit(p1, r1), await fit(p2, r2)];
    assert.equal(Array.from(a.factors), Array.from(b.factors));
    assert.equal(Array.from(a.noise), Array.from(b.noise));
    assert.equal(Array.from(a.means.data), Array.from(b.means.data));
    assert.equal(a.lowerBounds, b.lowerBounds);
    const streamed = p2.stream({ rows: 400, cols: D, read: (s, e) => X.data.slice(s * D, e * D) }, { chunkRows });
    const c = await fit(p2, streamed);
    assert.equal(Array.from(c.factors), Array.from(b.factors));
    assert.equal(Array.from(await c.scoreSamples(streamed)), Array.from(await b.scoreSamples(X)));
    await Promise.all([p1.release(r1), p2.release(r2)]);
  } finally {
    p1.close();
    p2.close();
  }
});

test('sample: temperature scales the spread; noise: false draws μ + Λz; predict agrees with predictProba', async () => {
  const m = mfaFromParams(P, { K, D, q });
  const big = await m.sample(20000, { randomState: 1 });
  const counts = [0, 1, 2].map((k) => big.labels.filter((l) => l === k).length / 20000);
  counts.forEach((c, k) => assert.ok(Math.abs(c - P.weights[k]) < 0.015, `weight ${k}: ${c}`));
  const varOf = (S, k, j) => {
    let [s, s2, n] = [0, 0, 0];
    for (let i = 0; i < S.X.rows; i++) if (S.labels[i] === k) [s, s2, n] = [s + S.X.data[i * D + j], s2 + S.X.data[i * D + j] ** 2, n + 1];
    return s2 / n - (s / n) ** 2;
  };
  const lamSq = (k, j) => P.factors[(k * D + j) * q] ** 2 + P.factors[(k * D + j) * q + 1] ** 2;
  const expected = lamSq(0, 0) + P.noise[0];
  assert.ok(Math.abs(varOf(big, 0, 0) / expected - 1) < 0.06, `variance ${varOf(big, 0, 0)} vs ${expected}`);
  const cold = await m.sample(20000, { randomState: 1, temperature: 0.25, noise: false });
  assert.ok(Math.abs(varOf(cold, 0, 0) / (0.25 * lamSq(0, 0)) - 1) < 0.06, 'temperature 0.25 without noise');
  const labels = await m.predict(X);
  const proba = await m.predictProba(X);
  for (let i = 0; i < 400; i++) assert.is(proba.data[i * K + labels[i]], Math.max(...proba.row(i)));
  assert.is(m.nParameters(), K * (D * q - 1) + K * D + K * D + K - 1);
  assert.ok(Math.abs((await m.bic(X)) - (-2 * 400 * (await m.score(X)) + m.nParameters() * Math.log(400))) < 1e-6);
});

test('toState / fromState round trip; loading checks Ψ > 0, shapes and finiteness', async () => {
  const m = await new MixtureOfFactorAnalyzers({ nComponents: 2, nFactors: 2, randomState: 0, maxIter: 5 }).fit(X);
  const s = m.toState();
  const tensors = Object.fromEntries(Object.entries(s.tensors).map(([k, v]) => [k, { dtype: 'F64', ...v }]));
  const back = MixtureOfFactorAnalyzers.fromState(tensors, s.metadata);
  assert.equal(Array.from(await back.scoreSamples(X)), Array.from(await m.scoreSamples(X)));
  const broken = (name, data) => () => MixtureOfFactorAnalyzers.fromState({ ...tensors, [name]: { ...tensors[name], data } }, s.metadata);
  assert.throws(broken('mfa.noise', tensors['mfa.noise'].data.map((v, i) => (i === 3 ? 0 : v))), /noise variance/);
  assert.throws(broken('mfa.factors', tensors['mfa.factors'].data.map((v, i) => (i === 3 ? NaN : v))), /NaN/);
  assert.throws(() => MixtureOfFactorAnalyzers.fromState({ ...tensors, 'mfa.means': { ...tensors['mfa.means'], shape: [2, 11] } }, s.metadata), /shape/);
});

test('bad input is a GaussfaceError that names the problem', async () => {
  assert.throws(() => new MixtureOfFactorAnalyzers({ nFactors: 0 }), /nFactors must be an integer ≥ 1/);
  assert.throws(() => new MixtureOfFactorAnalyzers({ noiseType: 'full' }), /noiseType must be one of diagonal, isotropic/);
  assert.throws(() => new MixtureOfFactorAnalyzers({ regCovar: 0 }), /regCovar must be > 0/);
  await rejects(() => new MixtureOfFactorAnalyzers({ nFactors: 12 }).fit(X), /nFactors \(12\) must be smaller than the number of features \(12\)/);
  await rejects(() => new MixtureOfFactorAnalyzers({ nComponents: 300 }).fit(X), /need at least 2 samples per component/);
  await rejects(() => new MixtureOfFactorAnalyzers().score(X), /not fitted yet/);
  const bad = Float32Array.from(X.data);
  bad[5 * D + 3] = NaN;
  await rejects(() => new MixtureOfFactorAnalyzers({ nFactors: 2 }).fit({ data: bad, shape: [400, D] }), /row 5, column 3/);
  const ctl = new AbortController();
  const p = new MixtureOfFactorAnalyzers({ nComponents: K, nFactors: q, maxIter: 50, tol: 0, signal: ctl.signal, onProgress: () => ctl.abort() }).fit(X);
  const err = await rejects(() => p, /cancelled/);
  assert.is(err.code, 'EABORT');
});

test.after(shutdown);
test.run();
