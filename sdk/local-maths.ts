// Small dense maths on the calling thread's engine (the models' parameter updates: a few d × d or K × d
// arrays per iteration), in one place: model files call these with JavaScript arrays and never see pointers.
// The same kernels as the workers', so the same bits in every runtime.
import type { Engine } from './engine.js';
import { GaussfaceError } from './errors.js';

/** op(A) · op(B) in f32, with op(A) m × k and op(B) k × n (`transB`: B is given n × k). */
export function gemm(e: Engine, A: ArrayLike<number>, m: number, k: number, B: ArrayLike<number>, n: number, opts: { transB?: boolean } = {}): Float32Array {
  return e.scoped((s) => {
    const [a, b, c] = [s.f32(A), s.f32(B), s.f32(m * n)];
    e.call('gemm', 0, opts.transB ? 1 : 0, m, n, k, 1, a.ptr, k, b.ptr, opts.transB ? k : n, 0, c.ptr, n);
    return c.read();
  });
}

/** XᵀX (cols × cols, f64, exact products) of a rows × cols f32 matrix. */
export function gram(e: Engine, X: Float32Array, rows: number, cols: number): Float64Array {
  return e.scoped((s) => {
    const [x, g] = [s.f32(X), s.f64(cols * cols)];
    e.call('pca_gram', rows, cols, x.ptr, cols, 0, g.ptr, cols, s(e.call('pca_gram_workspace', cols)));
    return g.read();
  });
}

/** Eigendecomposition of a symmetric matrix (lower triangle read), eigenvalues descending; vectors as columns. */
export function eighDesc(e: Engine, A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  return e.scoped((s) => {
    const [a, w, V] = [s.f64(A), s.f64(n), s.f64(n * n)];
    const code = e.call('eigh', n, a.ptr, n, w.ptr, V.ptr, n, s(e.call('eigh_workspace', n)));
    if (code !== 0)
      throw new GaussfaceError(`the eigendecomposition failed (code ${code}); the data may contain values too large for float32 sums: scale it`, 'ENOTPD');
    const [asc, vec] = [w.view(), V.view()];
    const values = new Float64Array(n);
    const vectors = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      values[j] = asc[n - 1 - j];
      for (let i = 0; i < n; i++) vectors[i * n + j] = vec[i * n + n - 1 - j];
    }
    return { values, vectors };
  });
}

/** Lower Cholesky factor L (L·Lᵀ = A, zeros above the diagonal) of one d × d block, or undefined if A is not positive definite. */
export function choleskyLower(e: Engine, A: ArrayLike<number>, d: number): Float64Array | undefined {
  return e.scoped((s) => {
    const a = s.f64(A);
    if (e.call('chol', d, a.ptr, d) !== 0) return undefined;
    const l = a.view();
    const out = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) out[i * d + j] = l[i * d + j];
    return out;
  });
}

/**
 * scikit-learn's precision factor of one d × d covariance: upper-triangular U with Σ⁻¹ = U·Uᵀ; a failed pivot
 * (Σ not positive definite) is returned as its index instead.
 */
export function precisionFactor(e: Engine, cov: ArrayLike<number>, d: number): Float64Array | { pivot: number } {
  return e.scoped((s) => {
    const [a, f] = [s.f64(cov), s.f64(d * d)];
    const code = e.call('chol_precision', d, a.ptr, d, f.ptr, d);
    return code !== 0 ? { pivot: code - 1 } : f.read();
  });
}

/** Natural log of every value, computed by the engine (bit-identical in every runtime, unlike Math.log). */
export function logF64(e: Engine, x: Float64Array): Float64Array {
  return e.scoped((s) => {
    const p = s.f64(x.length ? x : 1);
    e.call('log_f64', x.length, p.ptr, p.ptr);
    return p.read().subarray(0, x.length);
  });
}

/** K-Means centre moves (the engine's kmeans_moves): each centre's move, half the distance to its nearest other centre, its f32 copy's error. */
export function kmeansMoves(e: Engine, previous: Float64Array, centres: Float64Array, K: number, d: number) {
  return e.scoped((s) => {
    const [p, c, delta, half, cerr] = [s.f64(previous), s.f64(centres), s.f64(K), s.f64(K), s.f64(K)];
    e.call('kmeans_moves', K, d, p.ptr, c.ptr, delta.ptr, half.ptr, cerr.ptr);
    return { delta: delta.read(), s: half.read(), cerr: cerr.read() };
  });
}
