// Shared test helpers: a seeded JS PRNG (independent of the engine's) and slow, obvious references.

/** mulberry32: small seeded PRNG for test inputs. */
export function rng(seed = 1) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float32Array of n values uniform in [-1, 1). */
export function randF32(n, seed = 1) {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() * 2 - 1;
  return out;
}

/** Float64Array of n values uniform in [-1, 1). */
export function randF64(n, seed = 1) {
  return Float64Array.from(randF32(n, seed));
}

/** Largest |a-b| / (|b| + floor) over two arrays. */
export function maxRelErr(a, b, floor = 1) {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + floor));
  return m;
}

/** Row-major f64 reference GEMM: C = alpha·op(A)·op(B) + beta·C. */
export function refGemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) {
  const out = Float64Array.from(C);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * lda + i] : A[i * lda + k];
        const b = transB ? B[j * ldb + k] : B[k * ldb + j];
        s += a * b;
      }
      out[i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * ldc + j]);
    }
  return out;
}

/** Awaits `fn()` and returns the error it rejects with; fails if it resolves or the message does not match. */
export async function rejects(fn, pattern) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error(`expected a rejection matching ${pattern}`);
  if (pattern && !pattern.test(err.message)) throw new Error(`rejection "${err.message}" does not match ${pattern}`);
  return err;
}

/** Lower Cholesky factor L (n × n, row-major, A = L·Lᵀ) of a symmetric positive definite A, float64. */
export function refCholesky(A, n) {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = i === j ? Math.sqrt(s) : s / L[j * n + j];
    }
  return L;
}
