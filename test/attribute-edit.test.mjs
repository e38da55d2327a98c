// The attribute-edit measurement: the L2 logistic regression (against a slow gradient-descent reference on the
// same objective, and on separable data), attribute directions, and measureAttributeEdit on a codec whose answer
// is known by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attributeDirection, Matrix } from '../dist/index.js';
import { LogisticRegression, measureAttributeEdit, orthogonalised } from '../bench/quality/edit-measure.mjs';
import { rng } from './helpers/util.mjs';

/** fn throws a GaussfaceError of this code whose message matches. */
function throwsCode(fn, pattern, code) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected an error matching ${pattern}`);
  assert.match(err.message, pattern);
  assert.is(err.code, code, err.message);
}

/** fn rejects with a GaussfaceError of this code whose message matches. */
async function rejects(fn, pattern, code) {
  const err = await fn().then(() => undefined, (e) => e);
  assert.ok(err, `expected a rejection matching ${pattern}`);
  assert.match(err.message, pattern);
  assert.is(err.code, code, err.message);
}

const gaussian = (r) => () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

/** Two overlapping 3-D classes (means ±0.7 on the first two axes), n rows. */
function overlapping(n, seed) {
  const normal = gaussian(rng(seed));
  const X = [];
  const y = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    X.push([normal() + (c ? 0.7 : -0.7), normal() + (c ? 0.3 : -0.3), 2 * normal()]);
    y.push(c ? 1 : -1);
  }
  return { X, y };
}

/** The objective's minimiser by plain gradient descent in float64 (slow, obviously right). */
function slowLogistic(X, y, C) {
  const d = X[0].length;
  const th = new Float64Array(d + 1);
  const lr = 1 / (1 + (C * X.length * (1 + Math.max(...X.flat().map((v) => v * v))) * (d + 1)) / 4);
  for (let it = 0; it < 200000; it++) {
    const g = Float64Array.from(th, (v, j) => (j < d ? v : 0));
    X.forEach((x, i) => {
      const z = x.reduce((s, v, j) => s + v * th[j], th[d]);
      const r = C * (1 / (1 + Math.exp(-z)) - (y[i] > 0 ? 1 : 0));
      x.forEach((v, j) => (g[j] += r * v));
      g[d] += r;
    });
    th.forEach((v, j) => (th[j] = v - lr * g[j]));
    if (Math.max(...g.map(Math.abs)) < 1e-10) break;
  }
  return th;
}

test('LogisticRegression minimises ½‖w‖² + C·Σ log-loss: same weights as slow gradient descent', async () => {
  const { X, y } = overlapping(80, 3);
  for (const C of [0.05, 1]) {
    const clf = await new LogisticRegression({ C }).fit(X, y);
    const ref = slowLogistic(X, y, C);
    assert.ok(clf.converged && clf.nIter < 20, `Newton converged in ${clf.nIter} steps`);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(clf.coef[j] - ref[j]) < 1e-6, `C ${C} w${j}: ${clf.coef[j]} vs ${ref[j]}`);
    assert.ok(Math.abs(clf.intercept - ref[3]) < 1e-6, `C ${C} b: ${clf.intercept} vs ${ref[3]}`);
    const p = clf.predictProba(X);
    const z = clf.decisionFunction(X);
    assert.ok(Math.abs(p[5] - 1 / (1 + Math.exp(-z[5]))) < 1e-15);
  }
  // Stronger penalty → smaller weights; the informative axes weigh more than the noisy one.
  const [weak, strong] = [await new LogisticRegression({ C: 1 }).fit(X, y), await new LogisticRegression({ C: 0.01 }).fit(X, y)];
  assert.ok(Math.hypot(...strong.coef) < Math.hypot(...weak.coef));
  assert.ok(weak.coef[0] > Math.abs(weak.coef[2]) && weak.coef[0] > 0);
});

test('LogisticRegression on separable data: every row right, weights kept finite by the penalty', async () => {
  const X = Array.from({ length: 40 }, (_, i) => [i < 20 ? -1 - i / 20 : 1 + (i - 20) / 20, (i * 7) % 5]);
  const y = X.map((_, i) => (i < 20 ? 0 : 1));
  const clf = await new LogisticRegression({ C: 100 }).fit(X, y);
  assert.is(clf.score(X, y), 1);
  assert.ok(clf.coef.every(Number.isFinite) && clf.converged);
  assert.equal(Array.from(clf.predict([[-3, 0], [3, 0]])), [0, 1]);
});

test('LogisticRegression refuses bad input with a code and a fix', async () => {
  throwsCode(() => new LogisticRegression().fit([[1], [2]], [1, 1]), /needs rows of both classes/, 'EINPUT');
  throwsCode(() => new LogisticRegression().fit([[1], [2]], [1]), /1 labels for 2 rows/, 'ESHAPE');
  assert.throws(() => new LogisticRegression({ C: 0 }), /C must be a finite number > 0/);
  assert.throws(() => new LogisticRegression().predict([[1]]), /call fit first/);
  const clf = await new LogisticRegression().fit([[0], [1], [0.2], [0.9]], [0, 1, 0, 1]);
  assert.throws(() => clf.predict([[1, 2]]), /2 columns but 1 were expected/);
});

test('attributeDirection: mean difference, unit or one standard deviation long, without excluded directions', async () => {
  const codes = [[0, 0], [0, 2], [2, 0], [2, 2]];
  const labels = [-1, -1, 1, 1];
  assert.equal(Array.from(await attributeDirection(codes, labels)), [1, 0]);
  // Projections onto (1, 0) are 0, 0, 2, 2: sample standard deviation √(4/3).
  const spread = await attributeDirection(codes, labels, { scale: 'spread' });
  assert.ok(Math.abs(spread[0] - Math.sqrt(4 / 3)) < 1e-6 && spread[1] === 0, `${Array.from(spread)}`);
  // orthogonalised: the parts along the given directions are removed (they need not be orthogonal themselves).
  assert.equal(Array.from(orthogonalised([1, 1, 1], [[0, 3, 0], [0, 1, 0]])), [1, 0, 1]);
  const o = orthogonalised([1, 2, 3], [[1, 1, 0], [0, 1, 1]]);
  assert.ok(Math.abs(o[0] + o[1]) < 1e-12 && Math.abs(o[1] + o[2]) < 1e-12 && Math.abs(o[0] - o[1] + o[2] - 2) < 1e-12, `${Array.from(o)}`);
  throwsCode(() => orthogonalised([1, 1], [[1]]), /a direction has 1 values, w 2/, 'ESHAPE');
  throwsCode(() => attributeDirection(codes, [1, 1, 1, 1]), /needs codes with the attribute/, 'EINPUT');
  throwsCode(() => attributeDirection(codes, labels, { scale: 'far' }), /scale must be 'unit' or 'spread'/, 'EINPUT');
});

test('measureAttributeEdit: attribute rate and identity per strength match a hand count on a pixel-space codec', async () => {
  // Faces are 3 "pixels"; the codec is the identity map, the classifier says "attribute" when pixel 0 > 0.5, and
  // pixel 1 tells the faces apart (0, 0.1, …, 0.9); pixel 0 starts at 0.1 (even faces) or 0.3 (odd ones).
  const faces = Array.from({ length: 10 }, (_, i) => [i % 2 ? 0.3 : 0.1, i / 10, 0.5]);
  const codec = { encode: async (X) => X, decode: async (Z) => Z };
  const classify = (im) => Float64Array.from({ length: im.rows }, (_, i) => (im.get(i, 0) > 0.5 ? 0.9 : 0.2));
  const rows = [9, 2, 5, 1, 6, 3];
  // Direction: +1 on pixel 0, and 0.12 on pixel 1 (drifts a face towards the next one's identity).
  const dir = [1, 0.12, 0];
  const strengths = [0, 0.3, 1];
  const out = await measureAttributeEdit(codec, faces, dir, { strengths, classify, rows });
  // The same by hand: edit, clip to [0, 1], classify, nearest face by brute force.
  const byHand = (t) => {
    let [hits, sum, kept] = [0, 0, 0];
    for (const i of rows) {
      const e = faces[i].map((v, c) => Math.min(1, Math.max(0, v + t * dir[c])));
      const p = e[0] > 0.5 ? 0.9 : 0.2;
      [hits, sum] = [hits + (p > 0.5), sum + p];
      const d = faces.map((f) => f.reduce((s, v, c) => s + (v - e[c]) ** 2, 0));
      kept += d.indexOf(Math.min(...d)) === i;
    }
    return [hits / rows.length, sum / rows.length, kept / rows.length];
  };
  strengths.forEach((t, k) => {
    const [rate, mean, kept] = byHand(t);
    assert.is(out[k].strength, t);
    assert.is(out[k].attributeRate, rate, `rate at ${t}`);
    assert.ok(Math.abs(out[k].meanProbability - mean) < 1e-12, `mean P at ${t}`);
    assert.is(out[k].identityKept, kept, `identity at ${t}`);
  });
  // What the hand count says, spelled out: nobody has it at 0 and everyone is themselves; at 0.3 the four odd
  // faces (0.3 → 0.6) have it and the even ones (0.1 → 0.4) land nearer an odd neighbour; at 1 everyone has it.
  assert.equal(out.map((r) => r.attributeRate), [0, 4 / 6, 1]);
  assert.equal(out.slice(0, 2).map((r) => r.identityKept), [1, 4 / 6]);
  assert.ok(out[2].identityKept < 1, 'the large edit moves some faces to a neighbour');
  // Identity judged in another encoder's space: one that sees only pixel 1 finds face i + 1 nearer (0.02 against
  // 0.12), except for the last face (9), which has no next one.
  const only1 = { encode: async (X) => new Matrix(X.rows, 1, Float32Array.from({ length: X.rows }, (_, i) => X.get(i, 1))) };
  const other = await measureAttributeEdit(codec, faces, dir, { strengths: [1], classify, rows, identity: only1 });
  assert.is(other[0].identityKept, 1 / 6);
  await rejects(() => measureAttributeEdit(codec, faces, [1, 0], { strengths: [1], classify }), /direction has 2 values, the codes 3/, 'ESHAPE');
  await rejects(() => measureAttributeEdit(codec, faces, [1, 0, 0], { strengths: [], classify }), /strengths must be a non-empty list/, 'EINPUT');
  await rejects(() => measureAttributeEdit(codec, faces, [1, 0, 0], { strengths: [1], classify, rows: [10] }), /rows must be indices below 10/, 'EINPUT');
});

test.run();
