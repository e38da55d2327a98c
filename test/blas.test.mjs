// f32 BLAS kernels against slow float64 references: GEMM in every transposition case and awkward shape,
// row-split bit-identity, syrk's lower triangle, gemv and the vector reductions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getEngine } from './helpers/engine.mjs';
import { randF32, refGemm, maxRelErr } from './helpers/util.mjs';

const e = await getEngine();
const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Runs gemm on fresh copies and returns C. */
function gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) {
  return e.scoped((take) => {
    const put = (x) => {
      const p = take(Math.max(1, x.length) * 4);
      e.f32(p, x.length).set(x);
      return p;
    };
    const [pa, pb, pc] = [put(A), put(B), put(C)];
    e.call('gemm', ta, tb, M, N, K, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    return e.f32(pc, C.length).slice();
  });
}

// Shapes: empty, single, smaller than a tile, ragged tiles, several k-blocks (K > 256) and row blocks (M > 96).
const SHAPES = [[0, 5, 3], [4, 0, 3], [3, 4, 0], [1, 1, 1], [13, 5, 3], [37, 70, 29], [97, 9, 300], [300, 257, 513], [64, 150, 150]];

for (const [M, N, K] of SHAPES)
  for (const [ta, tb] of [[0, 0], [0, 1], [1, 0], [1, 1]])
    test(`gemm ${M}×${N}×${K} transA=${ta} transB=${tb}`, () => {
      const lda = (ta ? M : K) + 3;
      const ldb = (tb ? K : N) + 2;
      const ldc = N + 5;
      const A = randF32((ta ? K : M) * lda, M + 1);
      const B = randF32((tb ? N : K) * ldb, N + 2);
      for (const [alpha, beta] of [[1, 0], [1.5, 0.5], [-2, 1]]) {
        const C = randF32(M * ldc, K + 3);
        const got = gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        const ref = refGemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        // f32 accumulation: error grows like sqrt(K) ulps of the row·column magnitude.
        assert.ok(maxRelErr(got, ref) < 2e-6 * Math.sqrt(K + 1) * Math.max(1, Math.abs(alpha)), `alpha=${alpha} beta=${beta}: ${maxRelErr(got, ref)}`);
        for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) assert.is(got[i * ldc + j], C[i * ldc + j], 'padding columns untouched');
      }
    });

test('beta = 0 ignores NaN garbage in C', () => {
  const [M, N, K] = [9, 10, 11];
  const C = new Float32Array(M * N).fill(NaN);
  const got = gemm(0, 0, M, N, K, 1, randF32(M * K, 1), K, randF32(K * N, 2), N, 0, C, N);
  assert.ok(got.every(Number.isFinite));
});

test('row-split bit-identity: any split of C rows gives the same bits as one call', () => {
  const [M, N, K] = [203, 77, 300];
  const A = randF32(M * K, 5);
  const B = randF32(K * N, 6);
  const whole = gemm(0, 0, M, N, K, 1, A, K, B, N, 0, new Float32Array(M * N), N);
  for (const m1 of [1, 3, 4, 50, 97, 202]) {
    const top = gemm(0, 0, m1, N, K, 1, A.subarray(0, m1 * K), K, B, N, 0, new Float32Array(m1 * N), N);
    const bottom = gemm(0, 0, M - m1, N, K, 1, A.subarray(m1 * K), K, B, N, 0, new Float32Array((M - m1) * N), N);
    const joined = new Float32Array(M * N);
    joined.set(top);
    joined.set(bottom, m1 * N);
    assert.ok(bytes(joined).equals(bytes(whole)), `split at ${m1}`);
  }
});

for (const trans of [0, 1])
  test(`syrk lower triangle, trans=${trans}, upper untouched`, () => {
    for (const [N, K] of [[1, 1], [5, 3], [37, 300], [100, 97]]) {
      const lda = (trans ? N : K) + 1;
      const A = randF32((trans ? K : N) * lda, N);
      const C0 = randF32(N * N, K);
      const got = e.scoped((take) => {
        const pa = take(A.length * 4);
        const pc = take(C0.length * 4);
        e.f32(pa, A.length).set(A);
        e.f32(pc, C0.length).set(C0);
        e.call('syrk', trans, N, K, 0.5, pa, lda, 2, pc, N);
        return e.f32(pc, C0.length).slice();
      });
      const ref = refGemm(trans, trans ? 0 : 1, N, N, K, 0.5, A, lda, A, lda, 2, C0, N);
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          if (j > i) assert.is(got[i * N + j], C0[i * N + j], 'upper untouched');
          else assert.ok(Math.abs(got[i * N + j] - ref[i * N + j]) < 1e-5 * Math.sqrt(K) * (1 + Math.abs(ref[i * N + j])), `(${i},${j})`);
        }
    }
  });

test('gemv both ways, and the vector kernels', () => {
  const [M, N] = [23, 17];
  const A = randF32(M * N, 1);
  const x = randF32(N, 2);
  const xt = randF32(M, 3);
  const out = e.scoped((take) => {
    const [pa, px, pxt, py, pyt] = [take(M * N * 4), take(N * 4), take(M * 4), take(M * 4), take(N * 4)];
    e.f32(pa, M * N).set(A);
    e.f32(px, N).set(x);
    e.f32(pxt, M).set(xt);
    e.f32(py, M).fill(NaN);
    e.f32(pyt, N).fill(1);
    e.call('gemv', 0, M, N, 2, pa, N, px, 0, py);
    e.call('gemv', 1, M, N, 1, pa, N, pxt, 3, pyt);
    return { y: e.f32(py, M).slice(), yt: e.f32(pyt, N).slice() };
  });
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += A[i * N + j] * x[j];
    assert.ok(Math.abs(out.y[i] - 2 * s) < 1e-5);
  }
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let i = 0; i < M; i++) s += A[i * N + j] * xt[i];
    assert.ok(Math.abs(out.yt[j] - (s + 3)) < 1e-5);
  }
  for (const n of [0, 1, 7, 64, 1001]) {
    const a = randF32(n, n + 1);
    const b = randF32(n, n + 2);
    const r = e.scoped((take) => {
      const [pa, pb] = [take(n * 4 + 4), take(n * 4 + 4)];
      e.f32(pa, n).set(a);
      e.f32(pb, n).set(b);
      const res = { dot: e.call('dot', n, pa, pb), sumsq: e.call('sumsq', n, pa), sum: e.call('sum', n, pa) };
      e.call('axpy', n, 0.5, pa, pb);
      e.call('scale', n, 3, pa);
      res.axpy = e.f32(pb, n).slice();
      res.scaled = e.f32(pa, n).slice();
      e.call('copy', n, pa, pb);
      res.copied = e.f32(pb, n).slice();
      return res;
    });
    let [d, q, s] = [0, 0, 0];
    for (let i = 0; i < n; i++) [d, q, s] = [d + a[i] * b[i], q + a[i] * a[i], s + a[i]];
    assert.ok(Math.abs(r.dot - d) < 1e-5 && Math.abs(r.sumsq - q) < 1e-5 && Math.abs(r.sum - s) < 1e-5, `n=${n}`);
    for (let i = 0; i < n; i++) {
      assert.is(r.axpy[i], Math.fround(b[i] + Math.fround(0.5 * a[i])));
      assert.is(r.scaled[i], Math.fround(3 * a[i]));
      assert.is(r.copied[i], r.scaled[i]);
    }
  }
});

test('has_nonfinite finds NaN and ±Infinity anywhere, including the tail', () => {
  for (const n of [0, 1, 5, 8, 33]) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of n ? [0, n - 1, n >> 1] : []) {
        const a = randF32(n, 9);
        a[at] = bad;
        const p = e.putF32(a);
        assert.is(e.call('has_nonfinite', n, p), 1, `n=${n} at=${at} ${bad}`);
        e.free(p);
      }
    }
    const p = e.putF32(randF32(n, 3));
    assert.is(e.call('has_nonfinite', n, p), 0);
    e.free(p);
  }
});

test.run();
