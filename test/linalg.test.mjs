// f64 linear algebra (linalg.ts) against slow, obvious JS: reconstructions, residuals, orthogonality and
// failure codes, on random, structured and degenerate inputs, sizes 0 and 1 included.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { getEngine } from './helpers/engine.mjs';
import { randF64, refCholesky, rng } from './helpers/util.mjs';

const e = await getEngine();
const PAD = 777; // fills padding and ignored triangles: must come back untouched

/** Row-major product of an (n × k) and a (k × m) dense matrix. */
function mul(A, B, n, k, m) {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) {
      const a = A[i * k + t];
      for (let j = 0; j < m; j++) C[i * m + j] += a * B[t * m + j];
    }
  return C;
}

function transpose(A, n, m) {
  const T = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) T[j * n + i] = A[i * m + j];
  return T;
}

const eye = (n) => Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
const maxAbs = (A) => A.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const bytesOf = (A) => Buffer.from(A.buffer, A.byteOffset, A.byteLength);
const sameBits = (A, B) => bytesOf(A).equals(bytesOf(B));
const maxDiff = (A, B) => A.reduce((m, v, i) => Math.max(m, Math.abs(v - B[i])), 0);

/** Random symmetric n × n: B·Bᵀ/n + shift·I (SPD for shift > 0, indefinite for shift < 0). */
function randSym(n, seed, shift = 0.1) {
  const B = randF64(n * n, seed);
  const A = mul(B, transpose(B, n, n), n, n, n).map((v) => v / Math.max(n, 1));
  for (let i = 0; i < n; i++) A[i * n + i] += shift;
  return A;
}

/** H·diag(w)·H with the Householder reflection H = I − 2uuᵀ/uᵀu: exact eigenvalues w in any order. */
function withEigenvalues(w, seed) {
  const n = w.length;
  const u = randF64(n, seed);
  const uu = u.reduce((s, v) => s + v * v, 0) || 1;
  const H = eye(n).map((v, i) => v - (2 * u[Math.floor(i / n)] * u[i % n]) / uu);
  const D = new Float64Array(n * n);
  w.forEach((v, i) => (D[i * n + i] = v));
  return mul(mul(H, D, n, n, n), H, n, n, n);
}

/** Copies the n × m matrix into engine memory with leading dimension ld; the rest of each row is PAD. */
function putMat(A, n, m, ld = m) {
  const P = new Float64Array(Math.max(n * ld, 1)).fill(PAD);
  for (let i = 0; i < n; i++) P.set(A.subarray(i * m, i * m + m), i * ld);
  return e.putF64(P);
}

/** Reads back an n × m matrix with leading dimension ld: [dense matrix, full buffer]. */
function getMat(p, n, m, ld = m) {
  const buf = e.f64(p, Math.max(n * ld, 1)).slice();
  const A = new Float64Array(n * m);
  for (let i = 0; i < n; i++) A.set(buf.subarray(i * ld, i * ld + m), i * m);
  return [A, buf];
}

function assertPad(buf, n, m, ld, what) {
  for (let i = 0; i < n; i++) for (let j = m; j < ld; j++) assert.is(buf[i * ld + j], PAD, `${what}: padding (${i},${j})`);
}

/** Lower triangle of A (n × n) with PAD above the diagonal. */
const lowerWithPad = (A, n) => A.map((v, i) => (i % n > Math.floor(i / n) ? PAD : v));

/** Reference Cholesky pivot failure index + 1 (0 when PD), same row-oriented order as the engine. */
function refCholCode(A, n) {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / L[j * n + j];
    }
    let s = A[i * n + i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] ** 2;
    if (!(s > 0) || s === Infinity) return i + 1;
    L[i * n + i] = Math.sqrt(s);
  }
  return 0;
}

function chol(A, n, ld = n) {
  const p = putMat(lowerWithPad(A, n), n, n, ld);
  const code = e.call('chol', n, p, ld);
  const [L, buf] = getMat(p, n, n, ld);
  e.free(p);
  return { code, L, buf };
}

test('chol: L·Lᵀ = A to 1e-12, upper triangle and padding untouched (n = 0, 1, 2, 7, 64)', () => {
  for (const [n, ld] of [[0, 0], [1, 1], [2, 3], [7, 7], [64, 67]]) {
    const A = randSym(n, n + 1);
    const { code, L, buf } = chol(A, n, ld);
    assert.is(code, 0);
    const Lo = L.map((v, i) => (i % n > Math.floor(i / n) ? 0 : v));
    assert.ok(maxDiff(mul(Lo, transpose(Lo, n, n), n, n, n), A) <= 1e-12 * Math.max(1, maxAbs(A)), `n=${n}`);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.is(L[i * n + j], PAD);
    assertPad(buf, n, n, ld, 'chol');
  }
});

test('chol: failure codes for non-PD, NaN and Inf; NaN in the ignored upper part is harmless', () => {
  const cases = [
    [[0], 1, 1],
    [[-1], 1, 1],
    [[NaN], 1, 1],
    [[Infinity], 1, 1],
    [[1, 2, 2, 1], 2, 2],
    [[1, 0, 0, 0, 2, 0, 0, 0, -1], 3, 3],
    [[4, 0, 0, 2, 5, 0, NaN, 1, 9], 3, 3],
    [[4, 0, 0, 2, 5, 0, 1, 1, 0], 3, 3],
    [randSym(20, 5, -0.05), 20, null],
  ];
  for (const [a, n, want] of cases) {
    const A = Float64Array.from(a);
    const ref = refCholCode(A, n);
    if (want !== null) assert.is(ref, want, `reference for ${a}`);
    assert.ok(ref > 0);
    assert.is(chol(A, n).code, ref, `${n}×${n} ${a.slice(0, 9)}`);
  }
  const p = e.putF64([4, NaN, 2, 5]);
  assert.is(e.call('chol', 2, p, 2), 0);
  assert.equal(Array.from(e.f64(p, 4)), [2, NaN, 1, 2]);
  e.free(p);
});

/** A well-conditioned random lower-triangular n × n (diagonal in ±[1, 2]). */
function randLower(n, seed) {
  const r = randF64(n * n, seed);
  return r.map((v, i) => {
    const [row, col] = [Math.floor(i / n), i % n];
    if (col > row) return 0;
    return col === row ? Math.sign(v || 1) * (1 + Math.abs(v)) : v * 0.5;
  });
}

test('trsm_lower: L·X = B and Lᵀ·X = B (n, m = 0, 1, 5, 33; strided B; L upper part ignored)', () => {
  for (const [n, m, ldb] of [[0, 3, 3], [3, 0, 0], [1, 1, 1], [1, 4, 6], [5, 1, 2], [33, 5, 8], [33, 17, 17]])
    for (const trans of [0, 1]) {
      const L = randLower(n, n + 2);
      const B = randF64(n * m, n * m + 3);
      const pl = putMat(lowerWithPad(L, n), n, n);
      const pb = putMat(B, n, m, ldb);
      e.call('trsm_lower', n, m, pl, n, pb, ldb, trans);
      const [X, buf] = getMat(pb, n, m, ldb);
      const op = trans ? transpose(L, n, n) : L;
      assert.ok(maxDiff(mul(op, X, n, n, m), B) <= 1e-12, `n=${n} m=${m} trans=${trans}`);
      assertPad(buf, n, m, ldb, 'trsm');
      e.free(pl);
      e.free(pb);
    }
});

/** Reference P = inv(L)ᵀ from a JS Cholesky and column-by-column forward substitution. */
function refPrecisionChol(A, n) {
  const L = refCholesky(A, n);
  const Linv = new Float64Array(n * n);
  for (let c = 0; c < n; c++)
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * n + k] * Linv[k * n + c];
      Linv[i * n + c] = s / L[i * n + i];
    }
  return transpose(Linv, n, n);
}

test('chol_precision: P = inv(chol(Σ))ᵀ, upper triangular, Σ·P·Pᵀ = I; aliasing and strides', () => {
  for (const [n, lds, ldo] of [[0, 0, 0], [1, 1, 1], [2, 2, 3], [9, 11, 9], [60, 60, 61]]) {
    const S = randSym(n, 40 + n);
    const ps = putMat(lowerWithPad(S, n), n, n, lds);
    const po = putMat(new Float64Array(n * n).fill(5), n, n, ldo);
    assert.is(e.call('chol_precision', n, ps, lds, po, ldo), 0);
    const [P, buf] = getMat(po, n, n, ldo);
    assert.ok(maxDiff(P, refPrecisionChol(S, n)) <= 1e-10 * Math.max(1, maxAbs(P)), `n=${n} vs reference`);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.is(P[i * n + j], 0);
    const SPPt = mul(S, mul(P, transpose(P, n, n), n, n, n), n, n, n);
    assert.ok(maxDiff(SPPt, eye(n)) <= 1e-10, `n=${n} Σ·P·Pᵀ`);
    assertPad(buf, n, n, ldo, 'chol_precision');
    assert.equal(getMat(ps, n, n, lds)[0], lowerWithPad(S, n), 'Σ untouched');
    // In place: out = Σ.
    assert.is(e.call('chol_precision', n, ps, lds, ps, lds), 0);
    assert.equal(getMat(ps, n, n, lds)[0], P);
    e.free(ps);
    e.free(po);
  }
  const bad = putMat(Float64Array.of(1, 2, 2, 1), 2, 2);
  const out = e.alloc(32);
  assert.is(e.call('chol_precision', 2, bad, 2, out, 2), 2);
  e.free(bad);
  e.free(out);
});

test('logdet_chol = 2·Σ log diag; equals log det Σ via known eigenvalues', () => {
  const w = [0.5, 2, 3, 7, 1e-3];
  const S = withEigenvalues(w, 9);
  const p = e.putF64(S);
  assert.is(e.call('chol', 5, p, 5), 0);
  const got = e.call('logdet_chol', 5, p, 5);
  assert.ok(Math.abs(got - w.reduce((s, v) => s + Math.log(v), 0)) < 1e-10, `${got}`);
  assert.is(e.call('logdet_chol', 0, p, 5), 0);
  e.free(p);
});

test('inv_spd: A·A⁻¹ = I, symmetric result; failure code for non-PD', () => {
  for (const [n, ld] of [[0, 0], [1, 1], [3, 4], [30, 30], [101, 103]]) {
    const A = randSym(n, 70 + n, 0.5);
    const p = putMat(lowerWithPad(A, n), n, n, ld);
    assert.is(e.call('inv_spd', n, p, ld), 0);
    const [Ainv, buf] = getMat(p, n, n, ld);
    assert.ok(maxDiff(mul(A, Ainv, n, n, n), eye(n)) <= 1e-10, `n=${n}`);
    assert.equal(Ainv, transpose(Ainv, n, n));
    assertPad(buf, n, n, ld, 'inv_spd');
    e.free(p);
  }
  const p = e.putF64([1, 0, 0, 0, -2, 0, 0, 0, 1]);
  assert.is(e.call('inv_spd', 3, p, 3), 2);
  e.free(p);
});

/** Runs eigh on the lower triangle of A (upper filled with PAD) → { code, w, V }. */
function eigh(A, n, { lda = n, ldv = n, inPlace = false } = {}) {
  const pa = putMat(lowerWithPad(A, n), n, n, lda);
  const pv = inPlace ? pa : putMat(new Float64Array(n * n), n, n, ldv);
  const pw = e.alloc(8 * n + 8);
  const pk = e.alloc(e.call('eigh_workspace', n) + 8);
  const code = e.call('eigh', n, pa, lda, pw, pv, inPlace ? lda : ldv, pk);
  const w = e.f64(pw, n).slice();
  const [V, buf] = getMat(pv, n, n, inPlace ? lda : ldv);
  if (!inPlace) {
    assert.ok(sameBits(getMat(pa, n, n, lda)[0], lowerWithPad(A, n)), 'A untouched');
    assertPad(buf, n, n, ldv, 'eigh V');
  }
  [pa, pw, pk].concat(inPlace ? [] : [pv]).forEach((p) => e.free(p));
  return { code, w, V };
}

/** Checks A·V = V·diag(w), VᵀV = I, ascending w; returns the residuals. */
function checkEigh(A, n, { code, w, V }, what, tol = 1e-12) {
  assert.is(code, 0, what);
  for (let i = 1; i < n; i++) assert.ok(w[i - 1] <= w[i], `${what}: ascending`);
  const scale = Math.max(1, maxAbs(A)) * Math.max(1, n);
  const AV = mul(A, V, n, n, n);
  const VW = V.map((v, i) => v * w[i % n]);
  const resid = maxDiff(AV, VW) / scale;
  const orth = maxDiff(mul(transpose(V, n, n), V, n, n, n), eye(n)) / Math.max(1, n);
  assert.ok(resid <= tol, `${what}: ‖AV − VΛ‖ ${resid}`);
  assert.ok(orth <= tol, `${what}: ‖VᵀV − I‖ ${orth}`);
}

test('eigh: n = 0, 1, 2', () => {
  assert.equal(eigh(new Float64Array(0), 0), { code: 0, w: new Float64Array(0), V: new Float64Array(0) });
  const one = eigh(Float64Array.of(-3.5), 1);
  assert.equal([one.code, one.w[0], one.V[0]], [0, -3.5, 1]);
  for (const A of [[2, 1, 1, 2], [1, 0, 0, 1], [0, 0, 0, 0], [5, 0, 0, -5], [0, 1, 1, 0], [1e-300, 1e-300, 1e-300, 3]]) {
    const r = eigh(Float64Array.from(A), 2);
    checkEigh(Float64Array.from(A), 2, r, `2×2 ${A}`);
  }
  const r = eigh(Float64Array.of(2, 1, 1, 2), 2);
  assert.ok(Math.abs(r.w[0] - 1) < 1e-15 && Math.abs(r.w[1] - 3) < 1e-15);
});

test('eigh: random SPD and indefinite matrices (n = 3, 10, 50, 200) match ml-matrix eigenvalues', () => {
  for (const n of [3, 10, 50, 200])
    for (const shift of [0.1, -0.3]) {
      const A = randSym(n, 1000 + n, shift);
      const r = eigh(A, n);
      checkEigh(A, n, r, `n=${n} shift=${shift}`);
      const rows = Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, i * n + n)));
      const ref = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
      assert.ok(maxDiff(r.w, ref) <= 1e-12 * Math.max(1, maxAbs(ref)), `n=${n}: eigenvalues vs ml-matrix`);
    }
});

test('eigh: repeated, clustered, zero and widely spread eigenvalues are recovered', () => {
  const spectra = [
    [2, 2, 2, 2, 2, 2],
    [1, 5, 1, 5, 1, 5, 1, 5, -3],
    [0, 0, 0, 1, 1e-14, 0],
    [1e10, 1, 1e-10, -1e5, 3, 3, 3],
    Array.from({ length: 40 }, (_, i) => 1 + (i % 4) * 1e-9),
  ];
  spectra.forEach((w, s) => {
    const n = w.length;
    const A = withEigenvalues(w, 200 + s);
    const r = eigh(A, n);
    checkEigh(A, n, r, `spectrum ${s}`);
    const want = [...w].sort((a, b) => a - b);
    assert.ok(maxDiff(r.w, want) <= 1e-13 * maxAbs(want) * n, `spectrum ${s}: ${r.w} vs ${want}`);
  });
});

test('eigh: already diagonal / tridiagonal inputs, identity, strides and in-place (V = A)', () => {
  const D = Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? [3, -1, 4, 1, -5][i / 6] : 0));
  const r = eigh(D, 5);
  checkEigh(D, 5, r, 'diagonal');
  assert.equal(Array.from(r.w), [-5, -1, 1, 3, 4]);
  const n = 30;
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    T[i * n + i] = 2;
    if (i > 0) T[i * n + i - 1] = T[(i - 1) * n + i] = -1;
  }
  const rt = eigh(T, n);
  checkEigh(T, n, rt, 'tridiagonal');
  const exact = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
  assert.ok(maxDiff(rt.w, exact) < 1e-13);
  checkEigh(eye(8), 8, eigh(eye(8), 8), 'identity');
  const A = randSym(23, 77, -0.2);
  const strided = eigh(A, 23, { lda: 25, ldv: 24 });
  checkEigh(A, 23, strided, 'strided');
  const inPlace = eigh(A, 23, { lda: 26, inPlace: true });
  assert.equal(inPlace.w, strided.w);
  assert.equal(inPlace.V, strided.V);
});

test('eigh: NaN or Inf input → −1', () => {
  for (const bad of [NaN, Infinity]) {
    const A = randSym(6, 3);
    A[4 * 6 + 2] = bad;
    assert.is(eigh(A, 6).code, -1);
  }
});

function qr(A, m, n, { lda = n, ldq = n } = {}) {
  const pa = putMat(A, m, n, lda);
  const pt = e.alloc(8 * n + 8);
  const pk = e.alloc(e.call('qr_workspace', n) + 8);
  const pq = putMat(new Float64Array(m * n).fill(3), m, n, ldq);
  const code = e.call('qr', m, n, pa, lda, pt, pk);
  const codeQ = e.call('qr_q', m, n, pa, lda, pt, pq, ldq);
  const [F, fbuf] = getMat(pa, m, n, lda);
  const [Q, qbuf] = getMat(pq, m, n, ldq);
  assertPad(fbuf, m, n, lda, 'qr A');
  assertPad(qbuf, m, n, ldq, 'qr Q');
  [pa, pt, pk, pq].forEach((p) => e.free(p));
  const R = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) R[i * n + j] = F[i * n + j];
  return { code, codeQ, Q, R };
}

test('qr + qr_q: Q·R = A, QᵀQ = I (square, tall, strided, sizes 0 and 1, rank-deficient)', () => {
  const zeroCol = randF64(8 * 4, 8).map((v, i) => (i % 4 === 2 ? 0 : v));
  const dupCol = randF64(6 * 3, 6).map((v, i, a) => (i % 3 === 1 ? a[i - 1] : v));
  const cases = [
    [randF64(0, 1), 0, 0, {}],
    [randF64(5 * 0, 1), 5, 0, {}],
    [randF64(1, 2), 1, 1, {}],
    [randF64(7, 3), 7, 1, { lda: 2, ldq: 3 }],
    [randF64(16, 4), 4, 4, {}],
    [randF64(50 * 20, 5), 50, 20, { lda: 23, ldq: 21 }],
    [randF64(300 * 37, 6), 300, 37, {}],
    [zeroCol, 8, 4, {}],
    [dupCol, 6, 3, {}],
    [new Float64Array(9), 3, 3, {}],
  ];
  for (const [A, m, n, opts] of cases) {
    const { code, codeQ, Q, R } = qr(A, m, n, opts);
    assert.is(code, 0);
    assert.is(codeQ, 0);
    assert.ok(maxDiff(mul(Q, R, m, n, n), A) <= 1e-13 * Math.max(1, m), `${m}×${n}: Q·R`);
    assert.ok(maxDiff(mul(transpose(Q, m, n), Q, n, m, n), eye(n)) <= 1e-13 * Math.max(1, m), `${m}×${n}: QᵀQ`);
  }
});

test('qr: matches the Gram–Schmidt factor up to column signs; m < n → 1', () => {
  const [m, n] = [9, 4];
  const A = randF64(m * n, 12);
  const { R } = qr(A, m, n);
  // |R| is unique: |R[j][j]| = ‖a_j − projection on earlier columns‖.
  const Q = [];
  for (let j = 0; j < n; j++) {
    const v = Array.from({ length: m }, (_, i) => A[i * n + j]);
    for (const q of Q) {
      const d = q.reduce((s, qi, i) => s + qi * v[i], 0);
      q.forEach((qi, i) => (v[i] -= d * qi));
    }
    const norm = Math.hypot(...v);
    assert.ok(Math.abs(Math.abs(R[j * n + j]) - norm) < 1e-13, `column ${j}`);
    Q.push(v.map((x) => x / norm));
  }
  const p = e.alloc(64);
  assert.is(e.call('qr', 2, 3, p, 3, p, p), 1);
  assert.is(e.call('qr_q', 2, 3, p, 3, p, p, 3), 1);
  e.free(p);
});

test('f32_to_f64 / f64_to_f32: n = 0..7, round to nearest even, specials, in-place narrowing', () => {
  const src = [1.5, -0, 1 / 3, 1e-46, 3.5e38, NaN, -Infinity, 1 + 2 ** -24, 1 + 3 * 2 ** -24];
  for (let n = 0; n <= 7; n++) {
    const x64 = Float64Array.from(src.slice(0, n));
    const p64 = e.putF64(x64);
    const p32 = e.alloc(4 * n + 8);
    e.f32(p32, n + 2).fill(9);
    e.call('f64_to_f32', n, p64, p32);
    const y32 = e.f32(p32, n + 2).slice();
    assert.equal(Array.from(y32.subarray(0, n)), Array.from(Float32Array.from(x64)));
    assert.equal(Array.from(y32.subarray(n)), [9, 9]);
    const back = e.alloc(8 * n + 16);
    e.call('f32_to_f64', n, p32, back);
    assert.equal(Array.from(e.f64(back, n)), Array.from(Float64Array.from(y32.subarray(0, n))));
    e.call('f64_to_f32', n, p64, p64);
    assert.equal(Array.from(e.f32(p64, n)), Array.from(y32.subarray(0, n)));
    [p64, p32, back].forEach((p) => e.free(p));
  }
  const ties = Float64Array.of(1 + 2 ** -24, 1 + 3 * 2 ** -24);
  const p = e.putF64(ties);
  e.call('f64_to_f32', 2, p, p);
  assert.equal(Array.from(e.f32(p, 2)), [1, 1 + 2 ** -22]);
  e.free(p);
});

test('add_f32_to_f64 / add_f64: the f64 sum JavaScript gives, element by element, n = 0..7, nothing past n', () => {
  const r = rng(41);
  for (let n = 0; n <= 7; n++) {
    const acc = Float64Array.from({ length: n + 2 }, () => (r() - 0.5) * 1e3);
    const x32 = Float32Array.from({ length: n }, () => (r() - 0.5) * 1e-3);
    const x64 = Float64Array.from({ length: n }, () => (r() - 0.5) * 1e7);
    const pa = e.putF64(acc);
    e.call('add_f32_to_f64', n, e.putF32(x32), pa);
    e.call('add_f64', n, e.putF64(x64), pa);
    const want = Array.from(acc, (v, i) => (i < n ? v + x32[i] + x64[i] : v));
    assert.equal(Array.from(e.f64(pa, n + 2)), want);
  }
});

test.run();
