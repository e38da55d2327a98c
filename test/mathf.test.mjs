// Vector f32 exp/log (simd.ts) against Math.exp/Math.log, and the row-wise log-sum-exp / softmax against an
// f64 reference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getEngine } from './helpers/engine.mjs';
import { randF32 } from './helpers/util.mjs';

const e = await getEngine();
const FLT_MAX = 3.4028234663852886e38;
const f64bits = new DataView(new ArrayBuffer(8));

/** One f32 ulp at the magnitude of `v` (denormal spacing below the normal range). */
function ulp32(v) {
  f64bits.setFloat64(0, Math.min(Math.abs(v), FLT_MAX));
  const exp = ((f64bits.getUint32(0) >>> 20) & 0x7ff) - 1023;
  return 2 ** (Math.max(exp, -126) - 23);
}

/** Error of the f32 result `y` against the exact `ref`, in ulps; +Inf stands for 2^128 on both sides. */
function ulpErr(y, ref) {
  if (Number.isNaN(ref)) return Number.isNaN(y) ? 0 : Infinity;
  if (y === ref) return 0;
  const cap = (v) => Math.max(-(2 ** 128), Math.min(2 ** 128, v));
  return Math.abs(cap(y) - cap(ref)) / ulp32(ref);
}

/** Runs an f32 → f32 kernel over `x` (optionally at an unaligned byte offset) and returns a copy of the output. */
function runVec(name, x, shift = 0) {
  const p = e.alloc(x.length * 4 + 16);
  const q = e.alloc(x.length * 4 + 16);
  e.f32(p + shift, x.length).set(x);
  e.call(name, x.length, p + shift, q + shift);
  const y = e.f32(q + shift, x.length).slice();
  e.free(p);
  e.free(q);
  return y;
}

/** f32 values whose bit patterns run from `lo` to `hi` (inclusive, as uint32) in steps of `stride`. */
function bitSweep(lo, hi, stride) {
  const u = new Uint32Array(Math.floor((hi - lo) / stride) + 1);
  for (let i = 0; i < u.length; i++) u[i] = lo + i * stride;
  return new Float32Array(u.buffer);
}
const bitsOf = (v) => new Uint32Array(Float32Array.of(v).buffer)[0];

function maxUlp(x, y, ref) {
  let worst = 0;
  let at = NaN;
  for (let i = 0; i < x.length; i++) {
    const err = ulpErr(y[i], ref(x[i]));
    if (err > worst) [worst, at] = [err, x[i]];
  }
  return { worst, at };
}

test('expf: dense sweep over [-104, 89] within 1 ulp (denormal results within 1 denormal step)', () => {
  for (const x of [bitSweep(0, bitsOf(89), 509), bitSweep(0x80000000, bitsOf(-104), 509)]) {
    const { worst, at } = maxUlp(x, runVec('vexp', x), Math.exp);
    assert.ok(worst <= 1, `max error ${worst} ulp at x=${at}`);
  }
  // Around 0 every bit pattern of a small window, where r is tiny and the polynomial dominates.
  const near0 = Float32Array.from({ length: 200001 }, (_, i) => (i - 100000) * 1e-5);
  assert.ok(maxUlp(near0, runVec('vexp', near0), Math.exp).worst <= 2);
});

test('expf: edge values', () => {
  const x = Float32Array.of(0, -0, 1e-45, -1e-45, 1e-40, Infinity, -Infinity, NaN, 88.72283, 88.7229, 89, 1e10,
    -87.33655, -103.9, -103.98, -104, -1e10, 1, -1, 0.5);
  const y = runVec('vexp', x);
  const want = [1, 1, 1, 1, 1, Infinity, 0, NaN, null, Infinity, Infinity, Infinity, null, 1e-45, 0, 0, 0, null, null, null];
  want.forEach((w, i) => {
    if (w === null) assert.ok(ulpErr(y[i], Math.exp(x[i])) <= 2, `exp(${x[i]}) = ${y[i]}`);
    else assert.ok(Object.is(y[i], Math.fround(w)), `exp(${x[i]}) = ${y[i]}, want ${w}`);
  });
  assert.ok(Number.isFinite(y[8]) && y[8] > 3.4e38, 'exp just below the overflow threshold stays finite');
  assert.ok(y[12] > 0 && y[12] < 1.2e-38, 'exp into the denormal range is a positive denormal');
});

test('logf: dense sweep over all positive f32 (incl. denormals) and around 1 within 1 ulp', () => {
  const all = bitSweep(1, 0x7f7fffff, 1021);
  const r1 = maxUlp(all, runVec('vlog', all), Math.log);
  assert.ok(r1.worst <= 1, `max error ${r1.worst} ulp at x=${r1.at}`);
  const near1 = bitSweep(bitsOf(1) - (1 << 20), bitsOf(1) + (1 << 20), 1);
  const r2 = maxUlp(near1, runVec('vlog', near1), Math.log);
  assert.ok(r2.worst <= 1, `max error ${r2.worst} ulp at x=${r2.at}`);
});

test('logf: edge values', () => {
  const x = Float32Array.of(0, -0, 1, Infinity, -Infinity, NaN, -1, -1e-45, 1e-45, 1.17549435e-38, FLT_MAX, 2, 0.5);
  const y = runVec('vlog', x);
  const want = [-Infinity, -Infinity, 0, Infinity, NaN, NaN, NaN, NaN];
  want.forEach((w, i) => assert.ok(Object.is(y[i], w), `log(${x[i]}) = ${y[i]}, want ${w}`));
  for (let i = want.length; i < x.length; i++) assert.ok(ulpErr(y[i], Math.log(x[i])) <= 1, `log(${x[i]}) = ${y[i]}`);
});

test('vexp/vlog: sizes 0..9, unaligned buffers, tails give the same bits as the vector body', () => {
  const x = Float32Array.from(randF32(9, 3), (v) => v * 20);
  const pos = x.map(Math.abs);
  const fullExp = runVec('vexp', x);
  const fullLog = runVec('vlog', pos);
  for (let n = 0; n <= 9; n++)
    for (const shift of [0, 4, 8, 12]) {
      assert.equal(runVec('vexp', x.subarray(n % 4, n)), fullExp.subarray(n % 4, n));
      assert.equal(runVec('vlog', pos.subarray(0, n), shift), fullLog.subarray(0, n));
    }
});

test('vexp in place (y = x)', () => {
  const x = randF32(7, 4);
  const p = e.putF32(x);
  e.call('vexp', 7, p, p);
  assert.equal(e.f32(p, 7).slice(), runVec('vexp', x));
  e.free(p);
});

/** Runs logsumexp_rows or softmax_rows on an n × k matrix stored with row stride ldx; returns [X after, lse]. */
function runRows(name, n, k, ldx, X) {
  const px = e.putF32(X);
  const pl = e.alloc(n * 8 + 8);
  e.f64(pl, n + 1).fill(7);
  e.call(name, n, k, px, ldx, pl);
  const out = [e.f32(px, X.length).slice(), e.f64(pl, n + 1).slice()];
  e.free(px);
  e.free(pl);
  return out;
}

function refLse(row) {
  const m = Math.max(...row);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** n × k rows (stride ldx) of scaled random values, with -Inf sprinkled in; padding holds 99. */
function makeRows(n, k, ldx, scale, seed) {
  const r = randF32(n * ldx, seed);
  const X = new Float32Array(n * ldx).fill(99);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) X[i * ldx + j] = (i + j) % 7 === 3 ? -Infinity : r[i * ldx + j] * scale;
  return X;
}
const rowOf = (X, i, k, ldx) => Array.from(X.subarray(i * ldx, i * ldx + k));

test('logsumexp_rows matches the f64 reference (random, -Inf entries, strides, k = 1..13)', () => {
  for (const [n, k, ldx, scale] of [[5, 1, 1, 3], [7, 3, 5, 30], [6, 8, 8, 1], [9, 13, 16, 300], [3, 100, 101, 1e4]]) {
    const X = makeRows(n, k, ldx, scale, n * k);
    const [after, lse] = runRows('logsumexp_rows', n, k, ldx, X);
    assert.equal(after, X, 'input untouched');
    for (let i = 0; i < n; i++) {
      const ref = refLse(rowOf(X, i, k, ldx));
      const ok = Number.isFinite(ref) ? Math.abs(lse[i] - ref) <= 1e-6 * Math.max(1, Math.abs(ref)) : lse[i] === ref;
      assert.ok(ok, `row ${i}: ${lse[i]} vs ${ref}`);
    }
    assert.is(lse[n], 7, 'nothing written past row n');
  }
});

test('logsumexp_rows: huge values, all -Inf rows, +Inf, NaN, k = 0, n = 0', () => {
  const big = 3.4e38;
  const rows = [[big, big, -Infinity], [-Infinity, -Infinity, -Infinity], [5, Infinity, 1], [NaN, 1, 2], [-1e30, -1e30 - 1e24, -Infinity]];
  const X = Float32Array.from(rows.flat());
  const [, lse] = runRows('logsumexp_rows', 5, 3, 3, X);
  assert.ok(Math.abs(lse[0] - (Math.fround(big) + Math.log(2))) <= 1e-6 * big);
  assert.is(lse[1], -Infinity);
  assert.is(lse[2], Infinity);
  assert.ok(Number.isNaN(lse[3]));
  assert.ok(Math.abs(lse[4] - refLse(Array.from(X.subarray(12, 15)))) <= 1e-6 * 1e30);
  const [, empty] = runRows('logsumexp_rows', 2, 0, 0, new Float32Array(0));
  assert.equal(Array.from(empty), [-Infinity, -Infinity, 7]);
  const [, none] = runRows('logsumexp_rows', 0, 3, 3, new Float32Array(0));
  assert.is(none[0], 7);
});

test('softmax_rows: rows are exp(x - lse), sum to 1, lse bit-equal to logsumexp_rows, padding untouched', () => {
  for (const [n, k, ldx, scale] of [[4, 1, 2, 5], [6, 3, 3, 10], [5, 8, 9, 100], [7, 37, 40, 20]]) {
    const X = makeRows(n, k, ldx, scale, 100 + k);
    const [, lseRef] = runRows('logsumexp_rows', n, k, ldx, X);
    const [R, lse] = runRows('softmax_rows', n, k, ldx, X);
    assert.equal(lse, lseRef);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const got = R[i * ldx + j];
        if (lse[i] === -Infinity) {
          assert.is(got, 0);
          continue;
        }
        const want = Math.exp(X[i * ldx + j] - lse[i]);
        // x − max is rounded to f32: the relative error of e^d grows like |d|·2^-24 (f32 conditioning of exp).
        const tol = (1e-6 + Math.abs(X[i * ldx + j] - lse[i]) * 2 ** -24) * want + 1e-45;
        assert.ok(got === want || Math.abs(got - want) <= tol, `(${i},${j}) ${got} vs ${want}`);
        sum += got;
      }
      if (lse[i] !== -Infinity) assert.ok(Math.abs(sum - 1) < 1e-5 * k, `row ${i} sums to ${sum}`);
      for (let j = k; j < ldx; j++) assert.is(R[i * ldx + j], 99);
    }
  }
});

test('softmax_rows: an all -Inf row becomes 0, +Inf/NaN rows NaN, others unaffected', () => {
  const X = Float32Array.of(-Infinity, -Infinity, 0, Math.log(3), Infinity, 1, NaN, 2);
  const [R, lse] = runRows('softmax_rows', 4, 2, 2, X);
  assert.equal(Array.from(R.subarray(0, 2)), [0, 0]);
  assert.ok(Math.abs(R[2] - 0.25) < 1e-7 && Math.abs(R[3] - 0.75) < 1e-7);
  assert.ok(R.subarray(4).every(Number.isNaN));
  assert.is(lse[0], -Infinity);
  assert.is(lse[2], Infinity);
  assert.ok(Number.isNaN(lse[3]));
});

test.run();
