// f32 BLAS kernels against slow float64 references: GEMM in every transposition case and awkward shape,
// row-split bit-identity, syrk's lower triangle, gemv and the vector reductions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { allBuilds, getEngine } from './helpers/engine.mjs';
import { randF32, refGemm, maxRelErr } from './helpers/util.mjs';

const e = await getEngine();
const BUILDS = await allBuilds();
const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
// Values written after C in engine memory: a kernel that writes past its last row changes them.
const GUARD = 16;

/** Copies the arrays into engine memory, runs `fn(...pointers)`, returns the last array (C) read back. */
function run(arrays, fn, eng = e) {
  return eng.scoped((take) => {
    const ptrs = arrays.map((x, i) => {
      const extra = i === arrays.length - 1 ? GUARD : 0;
      const p = take(Math.max(1, x.length + extra) * 4);
      eng.f32(p, x.length + extra).fill(-7).set(x);
      return p;
    });
    fn(...ptrs);
    const out = eng.f32(ptrs.at(-1), arrays.at(-1).length + GUARD).slice();
    assert.ok(out.subarray(-GUARD).every((v) => v === -7), 'nothing written past C');
    return out.subarray(0, -GUARD);
  });
}

function gemm(eng, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) {
  return run([A, B, C], (pa, pb, pc) => eng.call('gemm', ta, tb, M, N, K, alpha, pa, lda, pb, ldb, beta, pc, ldc), eng);
}

const TRANS = [[0, 0], [0, 1], [1, 0], [1, 1]];
// Empty, single, smaller than a tile, ragged tiles, several k-blocks (K > 248) and row blocks (M > 96).
const SHAPES = [[0, 5, 3], [4, 0, 3], [3, 4, 0], [1, 1, 1], [13, 5, 3], [37, 70, 29], [97, 9, 300], [300, 257, 513], [64, 150, 150]];

// Everything that runs the micro-kernel, on each build: plain mul+add and FMA must both be right.
for (const [build, eng] of BUILDS) {
  for (const [M, N, K] of SHAPES)
    for (const [ta, tb] of TRANS)
      test(`[${build}] gemm ${M}×${N}×${K} transA=${ta} transB=${tb}`, () => {
        const lda = (ta ? M : K) + 3;
        const ldb = (tb ? K : N) + 2;
        const ldc = N + 5;
        const A = randF32((ta ? K : M) * lda, M + 1);
        const B = randF32((tb ? N : K) * ldb, N + 2);
        for (const [alpha, beta] of [[1, 0], [1.5, 0.5], [-2, 1], [0, -0.5]]) {
          // beta = 0 must ignore C entirely: give it NaN garbage.
          const C = beta === 0 ? new Float32Array(M * ldc).fill(NaN) : randF32(M * ldc, K + 3);
          const got = gemm(eng, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
          const ref = refGemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
          for (let i = 0; i < M; i++)
            for (let j = N; j < ldc; j++) assert.ok(Object.is(got[i * ldc + j], C[i * ldc + j]), 'padding columns untouched');
          for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) ref[i * ldc + j] = got[i * ldc + j] = 0;
          // f32 accumulation: the error grows like sqrt(K) ulps of the row·column magnitude.
          const err = maxRelErr(got, ref);
          assert.ok(err < 2e-6 * Math.sqrt(K + 1) * Math.max(1, Math.abs(alpha)), `alpha=${alpha} beta=${beta}: ${err}`);
        }
      });

  test(`[${build}] alpha = 0 scales C by beta without reading A or B (NaN in A stays out)`, () => {
    const [M, N, K] = [6, 10, 7];
    const A = new Float32Array(M * K).fill(NaN);
    const B = randF32(K * N, 2);
    const C = randF32(M * N, 3);
    const got = gemm(eng, 0, 0, M, N, K, 0, A, K, B, N, 2, C, N);
    assert.equal([...got], [...C].map((v) => Math.fround(2 * v)));
    assert.ok(gemm(eng, 0, 0, M, N, K, 0, A, K, B, N, 0, C, N).every((v) => v === 0));
  });

  for (const [ta, tb] of TRANS)
    test(`[${build}] row-split bit-identity transA=${ta} transB=${tb}: any split of C rows gives the bits of one call`, () => {
      const [M, N, K] = [203, 77, 300];
      const lda = ta ? M : K;
      const ldb = tb ? K : N;
      const A = randF32(M * K, 5);
      const B = randF32(K * N, 6);
      const C = randF32(M * N, 7);
      const whole = gemm(eng, ta, tb, M, N, K, 1.5, A, lda, B, ldb, 0.5, C, N);
      // Rows i ≥ m of op(A) start m elements in (Aᵀ stored) or m rows down (A stored).
      const rowsFrom = (m) => A.subarray(ta ? m : m * lda);
      for (const m1 of [1, 3, 4, 50, 97, 202]) {
        const top = gemm(eng, ta, tb, m1, N, K, 1.5, A, lda, B, ldb, 0.5, C.subarray(0, m1 * N), N);
        const bottom = gemm(eng, ta, tb, M - m1, N, K, 1.5, rowsFrom(m1), lda, B, ldb, 0.5, C.subarray(m1 * N), N);
        const joined = new Float32Array(M * N);
        joined.set(top);
        joined.set(bottom, m1 * N);
        assert.ok(bytes(joined).equals(bytes(whole)), `split at ${m1}`);
      }
    });

  for (const trans of [0, 1])
    test(`[${build}] syrk lower triangle, trans=${trans}, upper untouched`, () => {
      for (const [N, K] of [[0, 3], [1, 1], [5, 3], [6, 0], [37, 300], [100, 97], [130, 520]]) {
        const lda = (trans ? N : K) + 1;
        const A = randF32((trans ? K : N) * lda, N + 1);
        for (const [alpha, beta] of [[0.5, 2], [1, 0]]) {
          const C0 = beta === 0 ? new Float32Array(N * N).fill(NaN) : randF32(N * N, K + 1);
          const got = run([A, C0], (pa, pc) => eng.call('syrk', trans, N, K, alpha, pa, lda, beta, pc, N), eng);
          const ref = refGemm(trans, trans ? 0 : 1, N, N, K, alpha, A, lda, A, lda, beta, C0, N);
          for (let i = 0; i < N; i++)
            for (let j = 0; j < N; j++) {
              const [g, r] = [got[i * N + j], ref[i * N + j]];
              if (j > i) assert.ok(Object.is(g, C0[i * N + j]), `upper (${i},${j}) untouched`);
              else assert.ok(Math.abs(g - r) < 2e-6 * Math.sqrt(K + 1) * (1 + Math.abs(r)), `N=${N} K=${K} (${i},${j}): ${g} vs ${r}`);
            }
        }
      }
    });

  test(`[${build}] syrk agrees bit for bit with gemm on the lower triangle`, () => {
    const [N, K] = [45, 300];
    const A = randF32(K * N, 12);
    const C = randF32(N * N, 13);
    const viaSyrk = run([A, C], (pa, pc) => eng.call('syrk', 1, N, K, 1.5, pa, N, 0.5, pc, N), eng);
    const viaGemm = gemm(eng, 1, 0, N, N, K, 1.5, A, N, A, N, 0.5, C, N);
    for (let i = 0; i < N; i++) for (let j = 0; j <= i; j++) assert.ok(Object.is(viaSyrk[i * N + j], viaGemm[i * N + j]), `(${i},${j})`);
  });
}

test('the FMA build fuses the micro-kernel\'s multiply-adds (one rounding), the portable build does not', () => {
  // -p + a·b with p = f32(a·b): the exact product keeps 2^-24 that the rounded one has lost.
  const a = 1 + 2 ** -12;
  const p = Math.fround(a * a);
  const product = (eng) => gemm(eng, 0, 0, 1, 1, 2, 1, Float32Array.of(-1, a), 2, Float32Array.of(p, a), 1, 0, new Float32Array(1), 1)[0];
  const byBuild = Object.fromEntries(BUILDS.map(([name, eng]) => [name, product(eng)]));
  assert.is(byBuild.portable, 0);
  const cpuFma = existsSync('/proc/cpuinfo') ? /\bfma\b/.test(readFileSync('/proc/cpuinfo', 'utf8')) : true;
  if ('fma' in byBuild && cpuFma) assert.is(byBuild.fma, 2 ** -24);
});

test('symmetrize_lower copies the lower triangle onto the upper one', () => {
  const [N, ldc] = [11, 13];
  const C = randF32(N * ldc, 14);
  const got = run([C], (pc) => e.call('symmetrize_lower', N, pc, ldc));
  for (let i = 0; i < N; i++)
    for (let j = 0; j < ldc; j++) {
      const want = j < N && j > i ? C[j * ldc + i] : C[i * ldc + j];
      assert.ok(Object.is(got[i * ldc + j], want), `(${i},${j})`);
    }
});

for (const trans of [0, 1])
  test(`gemv trans=${trans}`, () => {
    for (const [M, N] of [[0, 4], [4, 0], [1, 1], [23, 17], [64, 129]]) {
      const lda = N + 3;
      const A = randF32(M * lda, M + N);
      const x = randF32(trans ? M : N, 2);
      const len = trans ? N : M;
      for (const [alpha, beta] of [[2, 0], [1, 3], [0, 0.5]]) {
        const y0 = beta === 0 ? new Float32Array(len).fill(NaN) : randF32(len, 3);
        const got = run([A, x, y0], (pa, px, py) => e.call('gemv', trans, M, N, alpha, pa, lda, px, beta, py));
        for (let r = 0; r < len; r++) {
          let s = 0;
          for (let c = 0; c < (trans ? M : N); c++) s += (trans ? A[c * lda + r] : A[r * lda + c]) * x[c];
          const want = alpha * s + (beta === 0 ? 0 : beta * y0[r]);
          assert.ok(Math.abs(got[r] - want) < 1e-5 * (1 + Math.abs(want)), `M=${M} N=${N} alpha=${alpha} beta=${beta} [${r}]: ${got[r]} vs ${want}`);
        }
      }
    }
  });

test('dot, sumsq and sum accumulate in f64; axpy, scale and copy', () => {
  for (const n of [0, 1, 3, 7, 64, 1001]) {
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
    // Products of f32 values are exact in f64: only the f64 additions round.
    let [d, q, s] = [0, 0, 0];
    for (let i = 0; i < n; i++) [d, q, s] = [d + a[i] * b[i], q + a[i] * a[i], s + a[i]];
    for (const [name, got, want] of [['dot', r.dot, d], ['sumsq', r.sumsq, q], ['sum', r.sum, s]])
      assert.ok(Math.abs(got - want) < 1e-13 * (n + 1), `${name} n=${n}: ${got} vs ${want}`);
    for (let i = 0; i < n; i++) {
      assert.is(r.axpy[i], Math.fround(b[i] + Math.fround(0.5 * a[i])));
      assert.is(r.scaled[i], Math.fround(3 * a[i]));
      assert.is(r.copied[i], r.scaled[i]);
    }
  }
});

test('first_nonfinite finds the first NaN or ±Infinity anywhere, in and after the 16-value blocks', () => {
  for (const n of [0, 1, 5, 16, 17, 33, 100]) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of n ? [0, n - 1, n >> 1, Math.min(n - 1, 15)] : []) {
        const a = randF32(n, 9);
        a[at] = bad;
        if (at + 3 < n) a[at + 3] = NaN; // a later one does not hide the first
        const p = e.putF32(a);
        assert.is(e.call('first_nonfinite', n, p), at, `n=${n} at=${at} ${bad}`);
        e.free(p);
      }
    }
    const a = randF32(n, 3);
    if (n) a[0] = 3.4e38; // finite extremes are not flagged
    if (n > 1) a[n - 1] = -3.4e38;
    const p = e.putF32(a);
    assert.is(e.call('first_nonfinite', n, p), -1);
    e.free(p);
  }
});

test.run();
