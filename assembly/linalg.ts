// Dense f64 linear algebra for the models' small matrices: Cholesky and what scikit-learn builds on it
// (triangular solves, the precision factor, log-determinants, SPD inverse), symmetric eigendecomposition,
// Householder QR, and f32↔f64 conversion. Row-major, leading dimensions in elements, pointers in bytes.
// Every loop is written so that its inner dimension runs along rows (contiguous, f64x2); no allocation.

const EPS: f64 = 2.220446049250313e-16;
// QL iterations allowed per eigenvalue on average (LAPACK's dsteqr uses the same budget).
const QL_ITERATIONS = 30;

/** Byte address of element (i, j) of a row-major f64 matrix with leading dimension ld. */
// @ts-ignore: decorator
@inline function at(A: usize, ld: i32, i: i32, j: i32): usize {
  return A + ((<usize>i * <usize>ld + <usize>j) << 3);
}

// @ts-ignore: decorator
@inline function get(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function set(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/** Σ x[j]·y[j], j < n. */
// @ts-ignore: decorator
@inline function dot(n: i32, x: usize, y: usize): f64 {
  let acc = f64x2.splat(0);
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const o = <usize>j << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (j < n) s += get(x, j) * get(y, j);
  return s;
}

/** y[j] += a·x[j], j < n. */
// @ts-ignore: decorator
@inline function axpy(n: i32, a: f64, x: usize, y: usize): void {
  const av = f64x2.splat(a);
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const o = <usize>j << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(av, v128.load(x + o))));
  }
  if (j < n) set(y, j, get(y, j) + a * get(x, j));
}

/** r[j] += a·x[j] + b·y[j], j < n (a symmetric rank-2 update of one row). */
// @ts-ignore: decorator
@inline function axpy2(n: i32, a: f64, x: usize, b: f64, y: usize, r: usize): void {
  const av = f64x2.splat(a);
  const bv = f64x2.splat(b);
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const o = <usize>j << 3;
    const t = f64x2.add(f64x2.mul(av, v128.load(x + o)), f64x2.mul(bv, v128.load(y + o)));
    v128.store(r + o, f64x2.add(v128.load(r + o), t));
  }
  if (j < n) set(r, j, get(r, j) + (a * get(x, j) + b * get(y, j)));
}

/** x[j] ← x[j] / d, j < n (true division, as LAPACK's solves). */
// @ts-ignore: decorator
@inline function div_row(n: i32, x: usize, d: f64): void {
  const dv = f64x2.splat(d);
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const o = <usize>j << 3;
    v128.store(x + o, f64x2.div(v128.load(x + o), dv));
  }
  if (j < n) set(x, j, get(x, j) / d);
}

/** Copies the lower triangle (with the diagonal) of A into B; a no-op when B is A. */
function copy_lower(n: i32, A: usize, lda: i32, B: usize, ldb: i32): void {
  if (A == B && lda == ldb) return;
  for (let i = 0; i < n; i++) memory.copy(at(B, ldb, i, 0), at(A, lda, i, 0), (<usize>i + 1) << 3);
}

/** Sets the strictly lower triangle to 0. */
function zero_strict_lower(n: i32, A: usize, lda: i32): void {
  for (let i = 1; i < n; i++) memory.fill(at(A, lda, i, 0), 0, <usize>i << 3);
}

/**
 * In-place lower Cholesky A = L·Lᵀ (row-oriented). Reads and writes only the lower triangle (with the diagonal);
 * the strictly upper part is ignored and left as it was. Returns 0, or j + 1 when pivot j is not a positive
 * finite number (A not positive definite, or NaN/Inf inside); A's lower triangle is then partly overwritten.
 */
export function chol(n: i32, A: usize, lda: i32): i32 {
  for (let i = 0; i < n; i++) {
    const ri = at(A, lda, i, 0);
    for (let j = 0; j < i; j++) {
      const rj = at(A, lda, j, 0);
      set(ri, j, (get(ri, j) - dot(j, ri, rj)) / get(rj, j));
    }
    const s = get(ri, i) - dot(i, ri, ri);
    if (!(s > 0) || s == Infinity) return i + 1;
    set(ri, i, Math.sqrt(s));
  }
  return 0;
}

/**
 * Solves L·X = B (trans = 0) or Lᵀ·X = B (trans ≠ 0) in place for the n × m right-hand sides B (row stride
 * ldb); L is n × n lower triangular (only its lower triangle is read) with a non-zero diagonal.
 */
export function trsm_lower(n: i32, m: i32, L: usize, ldl: i32, B: usize, ldb: i32, trans: i32): void {
  if (trans == 0) {
    for (let i = 0; i < n; i++) {
      const bi = at(B, ldb, i, 0);
      for (let k = 0; k < i; k++) axpy(m, -load<f64>(at(L, ldl, i, k)), at(B, ldb, k, 0), bi);
      div_row(m, bi, load<f64>(at(L, ldl, i, i)));
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      const bi = at(B, ldb, i, 0);
      for (let k = i + 1; k < n; k++) axpy(m, -load<f64>(at(L, ldl, k, i)), at(B, ldb, k, 0), bi);
      div_row(m, bi, load<f64>(at(L, ldl, i, i)));
    }
  }
}

/**
 * scikit-learn's precision Cholesky factor: with L = chol(Σ) (lower), writes P = inv(L)ᵀ (upper triangular,
 * zeros below the diagonal) to the n × n block `out`, so that Σ⁻¹ = P·Pᵀ and log det Σ⁻¹ = 2·Σ log diag P
 * (= solve_triangular(cholesky(Σ, lower=True), I, lower=True).T). Only Σ's lower triangle is read; out may
 * be Σ itself (same ld). Returns 0, or chol's j + 1 (Σ not positive definite; out is then undefined).
 */
export function chol_precision(n: i32, Sigma: usize, lds: i32, out: usize, ldo: i32): i32 {
  copy_lower(n, Sigma, lds, out, ldo);
  const code = chol(n, out, ldo);
  if (code != 0) return code;
  // Back-substitution Lᵀ·P = I by rows, bottom-up. Row i of P (columns ≥ i) lives in the upper part of row i
  // while L's strictly lower part, still needed by rows above, is untouched; L[i][i] is read before row i's
  // diagonal is replaced.
  for (let i = n - 1; i >= 0; i--) {
    const row = at(out, ldo, i, i);
    const d = get(row, 0);
    set(row, 0, 1);
    memory.fill(row + 8, 0, <usize>(n - i - 1) << 3);
    for (let k = i + 1; k < n; k++) {
      axpy(n - k, -load<f64>(at(out, ldo, k, i)), at(out, ldo, k, k), row + (<usize>(k - i) << 3));
    }
    div_row(n - i, row, d);
  }
  zero_strict_lower(n, out, ldo);
  return 0;
}

/** log det(L·Lᵀ) = 2·Σ log L[i][i] for a Cholesky factor (log det Σ⁻¹ for chol_precision's P). */
export function logdet_chol(n: i32, L: usize, ldl: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += Math.log(load<f64>(at(L, ldl, i, i)));
  return 2 * s;
}

/**
 * In-place inverse of a symmetric positive definite A (only the lower triangle is read; the full symmetric
 * inverse is written). A⁻¹ = P·Pᵀ with P = chol_precision(A). Returns 0 or chol's j + 1.
 */
export function inv_spd(n: i32, A: usize, lda: i32): i32 {
  const code = chol_precision(n, A, lda, A, lda);
  if (code != 0) return code;
  // (P·Pᵀ)[i][j] = Σ_{k ≥ i} P[i][k]·P[j][k] for j ≤ i: results go to the (zeroed) lower part, the diagonal
  // last in each row, so every P entry a later product needs is still there.
  for (let i = 0; i < n; i++) {
    const pi = at(A, lda, i, i);
    for (let j = 0; j <= i; j++) store<f64>(at(A, lda, i, j), dot(n - i, pi, at(A, lda, j, i)));
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) store<f64>(at(A, lda, j, i), load<f64>(at(A, lda, i, j)));
  return 0;
}

/**
 * Householder reflector (LAPACK dlarfg) for the m values at x with a stride of inc bytes: returns τ and
 * overwrites x with (β, v[1..]) so that (I − τ·v·vᵀ)·x = β·e₁ with v[0] = 1. τ = 0 when x[1..] is 0.
 */
function householder(m: i32, x: usize, inc: usize): f64 {
  let ss: f64 = 0;
  for (let i = 1; i < m; i++) {
    const v = load<f64>(x + <usize>i * inc);
    ss += v * v;
  }
  if (ss == 0) return 0;
  const alpha = load<f64>(x);
  const beta = -copysign<f64>(Math.sqrt(alpha * alpha + ss), alpha);
  const scale = 1 / (alpha - beta);
  for (let i = 1; i < m; i++) {
    const p = x + <usize>i * inc;
    store<f64>(p, load<f64>(p) * scale);
  }
  store<f64>(x, beta);
  return (beta - alpha) / beta;
}

/** Workspace of eigh in bytes: 3n f64. */
export function eigh_workspace(n: i32): i32 {
  return 24 * n;
}

/**
 * Symmetric eigendecomposition A = V·diag(w)·Vᵀ (like numpy.linalg.eigh with UPLO='L'): eigenvalues ascending
 * in w (f64, n), orthonormal eigenvectors as the COLUMNS of V (n × n, ld ldv). Only A's lower triangle is read
 * and A is not written unless V is A (allowed, same ld). work: eigh_workspace(n) bytes. Householder
 * tridiagonalisation, then implicit-shift QL with the rotations accumulated on the rows of Vᵀ.
 * Returns 0; −1 if a result is not finite (NaN/Inf in A, or overflow beyond ~1e150); i + 1 if QL ran out of
 * iterations at eigenvalue i (not seen in practice).
 */
export function eigh(n: i32, A: usize, lda: i32, w: usize, V: usize, ldv: i32, work: usize): i32 {
  const e = work;
  const tau = work + (<usize>n << 3);
  const p = work + (<usize>n << 4);
  copy_lower(n, A, lda, V, ldv);
  tridiagonalize(n, V, ldv, w, e, tau, p);
  form_qt(n, V, ldv, tau);
  const code = tridiagonal_ql(n, w, e, V, ldv);
  if (code != 0) return code;
  for (let i = 0; i < n; i++) if (!isFinite(get(w, i))) return -1;
  sort_ascending(n, w, V, ldv);
  transpose(n, V, ldv);
  return 0;
}

/**
 * Reduces the symmetric matrix in V's lower triangle to tridiagonal form Qᵀ·A·Q (diagonal d, subdiagonal e,
 * e[n−1] = 0) with Q = H₀·H₁···H_{n−2}. H_k = I − τ_k·v_k·v_kᵀ acts on indices k+1.. and v_k (with its leading
 * 1) is kept in the free upper part of row k. p: n f64 of scratch.
 */
function tridiagonalize(n: i32, V: usize, ldv: i32, d: usize, e: usize, tau: usize, p: usize): void {
  for (let k = 0; k < n; k++) {
    set(d, k, load<f64>(at(V, ldv, k, k)));
    const m = n - k - 1;
    if (m == 0) {
      set(e, k, 0);
      break;
    }
    const v = at(V, ldv, k, k + 1);
    for (let i = 0; i < m; i++) set(v, i, load<f64>(at(V, ldv, k + 1 + i, k)));
    const t = householder(m, v, 8);
    set(e, k, get(v, 0));
    set(v, 0, 1);
    set(tau, k, t);
    if (t != 0) reflect_both_sides(m, at(V, ldv, k + 1, k + 1), ldv, v, t, p);
  }
}

/**
 * B ← H·B·H for the symmetric m × m B (lower triangle) and H = I − τ·v·vᵀ, as the rank-2 update
 * B − v·qᵀ − q·vᵀ with q = τ·B·v − ½τ²(vᵀ·B·v)·v (LAPACK dsytd2).
 */
function reflect_both_sides(m: i32, B: usize, ldb: i32, v: usize, t: f64, q: usize): void {
  // q = B·v from the lower triangle: row i gives q[i] (columns ≤ i) and, by symmetry, adds to q[j < i].
  for (let i = 0; i < m; i++) {
    const r = at(B, ldb, i, 0);
    const vi = get(v, i);
    set(q, i, dot(i + 1, r, v));
    axpy(i, vi, r, q);
  }
  for (let i = 0; i < m; i++) set(q, i, t * get(q, i));
  axpy(m, -0.5 * t * dot(m, q, v), v, q);
  for (let i = 0; i < m; i++) axpy2(i + 1, -get(v, i), q, -get(q, i), v, at(B, ldb, i, 0));
}

/**
 * Overwrites V with Qᵀ = H_{n−2}···H₀, consuming the reflectors stored by tridiagonalize: backward
 * accumulation M ← M·H_k from M = I, which only touches the trailing block [k+1.., k+1..]; row k's reflector is
 * read before that row becomes e_k.
 */
function form_qt(n: i32, V: usize, ldv: i32, tau: usize): void {
  for (let i = 0; i < n; i++) {
    memory.fill(at(V, ldv, i, 0), 0, <usize>i << 3);
    store<f64>(at(V, ldv, i, i), 1);
  }
  for (let k = n - 2; k >= 0; k--) {
    const m = n - k - 1;
    const v = at(V, ldv, k, k + 1);
    const t = get(tau, k);
    if (t != 0)
      for (let i = k + 1; i < n; i++) {
        const r = at(V, ldv, i, k + 1);
        axpy(m, -t * dot(m, r, v), v, r);
      }
    memory.fill(v, 0, <usize>m << 3);
  }
}

/** Rows x, y (n values) ← (c·x − s·y, s·x + c·y): a Givens rotation of two rows of Vᵀ. */
// @ts-ignore: decorator
@inline function rotate_rows(n: i32, x: usize, y: usize, c: f64, s: f64): void {
  const cv = f64x2.splat(c);
  const sv = f64x2.splat(s);
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const o = <usize>j << 3;
    const a = v128.load(x + o);
    const b = v128.load(y + o);
    v128.store(x + o, f64x2.sub(f64x2.mul(cv, a), f64x2.mul(sv, b)));
    v128.store(y + o, f64x2.add(f64x2.mul(sv, a), f64x2.mul(cv, b)));
  }
  if (j < n) {
    const a = get(x, j);
    const b = get(y, j);
    set(x, j, c * a - s * b);
    set(y, j, s * a + c * b);
  }
}

/**
 * Eigenvalues of the symmetric tridiagonal (d, e) by implicit-shift QL (EISPACK tql2): d ← eigenvalues
 * (unsorted), e destroyed; each rotation is applied to rows i, i+1 of Z = Vᵀ. Returns 0 or l + 1 when the
 * iteration budget runs out at eigenvalue l.
 */
function tridiagonal_ql(n: i32, d: usize, e: usize, Z: usize, ldz: i32): i32 {
  let budget = QL_ITERATIONS * n;
  let shift: f64 = 0;
  let tst1: f64 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(get(d, l)) + Math.abs(get(e, l)));
    let m = l;
    while (m < n - 1 && Math.abs(get(e, m)) > EPS * tst1) m++;
    if (m > l) do {
      if (--budget < 0) return l + 1;
      // Wilkinson-type shift from the leading 2 × 2 block, subtracted from the whole diagonal.
      const g0 = get(d, l);
      const el = get(e, l);
      let p = (get(d, l + 1) - g0) / (2 * el);
      const r0 = copysign<f64>(Math.hypot(p, 1), p);
      set(d, l, el / (p + r0));
      set(d, l + 1, el * (p + r0));
      const dl1 = get(d, l + 1);
      const h0 = g0 - get(d, l);
      for (let i = l + 2; i < n; i++) set(d, i, get(d, i) - h0);
      shift += h0;
      // One implicit QL sweep from m−1 up to l, chasing the bulge with Givens rotations.
      p = get(d, m);
      let c: f64 = 1;
      let c2: f64 = 1;
      let c3: f64 = 1;
      let s: f64 = 0;
      let s2: f64 = 0;
      const el1 = get(e, l + 1);
      for (let i = m - 1; i >= l; i--) {
        c3 = c2;
        c2 = c;
        s2 = s;
        const ei = get(e, i);
        const g = c * ei;
        const h = c * p;
        const r = Math.hypot(p, ei);
        set(e, i + 1, s * r);
        s = ei / r;
        c = p / r;
        const di = get(d, i);
        p = c * di - s * g;
        set(d, i + 1, h + s * (c * g + s * di));
        rotate_rows(n, at(Z, ldz, i, 0), at(Z, ldz, i + 1, 0), c, s);
      }
      p = (-s * s2 * c3 * el1 * get(e, l)) / dl1;
      set(e, l, s * p);
      set(d, l, c * p);
    } while (Math.abs(get(e, l)) > EPS * tst1);
    set(d, l, get(d, l) + shift);
    set(e, l, 0);
  }
  return 0;
}

/** Selection sort of w ascending, swapping the matching rows of Z. */
function sort_ascending(n: i32, w: usize, Z: usize, ldz: i32): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (get(w, j) < get(w, k)) k = j;
    if (k == i) continue;
    const t = get(w, i);
    set(w, i, get(w, k));
    set(w, k, t);
    const zi = at(Z, ldz, i, 0);
    const zk = at(Z, ldz, k, 0);
    for (let j = 0; j < n; j++) {
      const a = get(zi, j);
      set(zi, j, get(zk, j));
      set(zk, j, a);
    }
  }
}

/** In-place transpose of the n × n block. */
function transpose(n: i32, A: usize, lda: i32): void {
  for (let i = 1; i < n; i++)
    for (let j = 0; j < i; j++) {
      const p = at(A, lda, i, j);
      const q = at(A, lda, j, i);
      const t = load<f64>(p);
      store<f64>(p, load<f64>(q));
      store<f64>(q, t);
    }
}

/** Workspace of qr in bytes: n f64. */
export function qr_workspace(n: i32): i32 {
  return 8 * n;
}

/**
 * Householder QR of the m × n A (m ≥ n), LAPACK dgeqrf layout: R in the upper triangle, reflector k's v below
 * the diagonal of column k (v[0] = 1 implied), τ_k in tau (n f64); A = Q·R with Q = H₀···H_{n−1}. Diagonal of
 * R may be negative. work: qr_workspace(n) bytes. Returns 0, or 1 (nothing done) when m < n.
 */
export function qr(m: i32, n: i32, A: usize, lda: i32, tau: usize, work: usize): i32 {
  if (m < n) return 1;
  const inc = <usize>lda << 3;
  for (let k = 0; k < n; k++) {
    const x = at(A, lda, k, k);
    const t = householder(m - k, x, inc);
    set(tau, k, t);
    if (t == 0 || k + 1 == n) continue;
    // A[k.., k+1..] ← H_k·A[k.., k+1..]: y = vᵀ·A (rows weighted by v), then rows −= τ·v_i·y.
    const cols = n - k - 1;
    const top = at(A, lda, k, k + 1);
    memory.copy(work, top, <usize>cols << 3);
    for (let i = k + 1; i < m; i++) axpy(cols, load<f64>(at(A, lda, i, k)), at(A, lda, i, k + 1), work);
    axpy(cols, -t, work, top);
    for (let i = k + 1; i < m; i++) axpy(cols, -t * load<f64>(at(A, lda, i, k)), work, at(A, lda, i, k + 1));
  }
  return 0;
}

/**
 * The thin Q (m × n, ld ldq, orthonormal columns) of qr's factorisation: Q = H₀···H_{n−1}·I[:, :n], by backward
 * accumulation. Returns 0, or 1 (nothing written) when m < n.
 */
export function qr_q(m: i32, n: i32, A: usize, lda: i32, tau: usize, Q: usize, ldq: i32): i32 {
  if (m < n) return 1;
  for (let i = 0; i < m; i++) {
    memory.fill(at(Q, ldq, i, 0), 0, <usize>n << 3);
    if (i < n) store<f64>(at(Q, ldq, i, i), 1);
  }
  for (let k = n - 1; k >= 0; k--) {
    const t = get(tau, k);
    if (t == 0) continue;
    // H_j (j > k) never touch row k, so row k of the block Q[k.., k..] is still e₀: it holds y = vᵀ·block
    // while the rows below are updated, then becomes e₀ − τ·y.
    const cols = n - k;
    const top = at(Q, ldq, k, k);
    for (let i = k + 1; i < m; i++) axpy(cols, load<f64>(at(A, lda, i, k)), at(Q, ldq, i, k), top);
    for (let i = k + 1; i < m; i++) axpy(cols, -t * load<f64>(at(A, lda, i, k)), top, at(Q, ldq, i, k));
    for (let j = 0; j < cols; j++) set(top, j, -t * get(top, j));
    set(top, 0, get(top, 0) + 1);
  }
  return 0;
}

/** y[i] = x[i] (f32 → f64, n values; x and y must not overlap). */
export function f32_to_f64(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    v128.store(y + (<usize>i << 3), f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>i << 2))));
  }
  if (i < n) set(y, i, <f64>load<f32>(x + (<usize>i << 2)));
}

/** y[i] += x[i] (f32 x widened exactly, the add in f64, n values): a chunk-order sum kept in engine memory. */
export function add_f32_to_f64(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>i << 2)))));
  }
  if (i < n) set(y, i, get(y, i) + <f64>load<f32>(x + (<usize>i << 2)));
}

/** y[i] += x[i] (f64, n values). */
export function add_f64(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), v128.load(x + o)));
  }
  if (i < n) set(y, i, get(y, i) + get(x, i));
}

/** y[i] = x[i] rounded to nearest f32 (f64 → f32, n values; y may equal x). */
export function f64_to_f32(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    v128.store64_lane(y + (<usize>i << 2), f32x4.demote_f64x2_zero(v128.load(x + (<usize>i << 3))), 0);
  }
  if (i < n) store<f32>(y + (<usize>i << 2), <f32>get(x, i));
}
