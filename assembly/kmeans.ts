// K-Means kernels around the distance GEMM: squared distances ‖x‖² + ‖c‖² − 2·x·c from XC = X·Cᵀ (the SDK runs
// the GEMM), nearest-centre labels, Hamerly's bounds (which rows need their distances at all), running per-cluster
// f64 sums, exact distances and inertia, and the two steps of greedy k-means++. Labels are i32; data, norms and
// GEMM distances f32; bounds and every sum f64 in row order (same bits in every worker).

// Result of scan(): the smallest and second smallest of cnorm[k] − 2·XC[i, k], and the index of the smallest.
let best1: f32 = 0;
let best2: f32 = 0;
let arg1: i32 = 0;

/** Two smallest values of cnorm[k] − 2·row[k] over k < K, first index of the smallest (ties → lowest k). */
// @ts-ignore: decorator
@inline function scan(row: usize, K: i32, cnorm: usize): void {
  const K4 = K & ~3;
  let b1: f32 = Infinity;
  let b2: f32 = Infinity;
  let a1 = 0;
  if (K4 > 0) {
    let v1 = f32x4.splat(Infinity);
    let v2 = f32x4.splat(Infinity);
    let i1 = i32x4.splat(0);
    let kv = i32x4(0, 1, 2, 3);
    const four = i32x4.splat(4);
    for (let k = 0; k < K4; k += 4) {
      const o = <usize>k << 2;
      const xc = v128.load(row + o);
      const v = f32x4.sub(v128.load(cnorm + o), f32x4.add(xc, xc));
      const lt1 = f32x4.lt(v, v1);
      v2 = v128.bitselect(v1, v128.bitselect(v, v2, f32x4.lt(v, v2)), lt1);
      v1 = v128.bitselect(v, v1, lt1);
      i1 = v128.bitselect(kv, i1, lt1);
      kv = i32x4.add(kv, four);
    }
    // Lane l holds the first minimum among k ≡ l (mod 4) and its runner-up: the overall minimum is the lowest index
    // among tied lanes; the overall runner-up is the smaller of the other lanes' minima and the winner's runner-up.
    const l0 = f32x4.extract_lane(v1, 0), l1 = f32x4.extract_lane(v1, 1), l2 = f32x4.extract_lane(v1, 2), l3 = f32x4.extract_lane(v1, 3);
    const j0 = i32x4.extract_lane(i1, 0), j1 = i32x4.extract_lane(i1, 1), j2 = i32x4.extract_lane(i1, 2), j3 = i32x4.extract_lane(i1, 3);
    let w = 0;
    b1 = l0;
    a1 = j0;
    if (l1 < b1 || (l1 == b1 && j1 < a1)) { b1 = l1; a1 = j1; w = 1; }
    if (l2 < b1 || (l2 == b1 && j2 < a1)) { b1 = l2; a1 = j2; w = 2; }
    if (l3 < b1 || (l3 == b1 && j3 < a1)) { b1 = l3; a1 = j3; w = 3; }
    b2 = w == 0 ? f32x4.extract_lane(v2, 0) : w == 1 ? f32x4.extract_lane(v2, 1) : w == 2 ? f32x4.extract_lane(v2, 2) : f32x4.extract_lane(v2, 3);
    if (w != 0 && l0 < b2) b2 = l0;
    if (w != 1 && l1 < b2) b2 = l1;
    if (w != 2 && l2 < b2) b2 = l2;
    if (w != 3 && l3 < b2) b2 = l3;
  }
  for (let k = K4; k < K; k++) {
    const xc = load<f32>(row + (<usize>k << 2));
    const v = load<f32>(cnorm + (<usize>k << 2)) - (xc + xc);
    if (v < b1) {
      b2 = b1;
      b1 = v;
      a1 = k;
    } else if (v < b2) b2 = v;
  }
  best1 = b1;
  best2 = b2;
  arg1 = a1;
}

/** Largest ‖c‖² of the K centres (for the GEMM trick's error bound η). */
function maxNorm(K: i32, cnorm: usize): f64 {
  let cmax: f32 = 0;
  for (let k = 0; k < K; k++) cmax = max(cmax, load<f32>(cnorm + (<usize>k << 2)));
  return <f64>cmax;
}

/**
 * The nearest centre of a row: scan's argmin of the f32 values cnorm[k] − 2·XC[k] (from the centred rows), unless
 * the two smallest are within 2η of each other (η: the GEMM trick's error bound, see kmeans_update). Then the
 * candidates (values within 2η of the smallest) are compared by their f64 squared distances between the row as
 * given, x (f32, not centred: centring rounds, and decides ties), and the f64 centres C in the same coordinates,
 * lowest index on ties: the labels of exact arithmetic on the data, as scikit-learn's f64 ones are. Sets best1,
 * best2 and arg1 as scan does; returns whether the row needed the exact comparison.
 */
function nearest(xcRow: usize, K: i32, cnorm: usize, d: i32, x: usize, C: usize, eta: f64): bool {
  scan(xcRow, K, cnorm);
  const lim = <f64>best1 + 2 * eta;
  if (<f64>best2 > lim) return false;
  let best: f64 = Infinity;
  for (let k = 0; k < K; k++) {
    const xc = load<f32>(xcRow + (<usize>k << 2));
    if (<f64>(load<f32>(cnorm + (<usize>k << 2)) - (xc + xc)) > lim) continue; // scan's f32 value, as it has it
    const dk = sq_distance(d, x, C + ((<usize>k * <usize>d) << 3));
    if (dk < best) {
      best = dk;
      arg1 = k;
    }
  }
  return true;
}

/**
 * Nearest centre of each row (see nearest; XC and cnorm from the centred rows, xnorm their ‖x‖²; R: the rows as
 * given, n × d f32, and C the f64 centres in their coordinates). labels holds the previous labels on entry;
 * returns how many changed.
 */
export function kmeans_assign(n: i32, d: i32, K: i32, XC: usize, cnorm: usize, xnorm: usize, R: usize, C: usize, labels: usize): i32 {
  const cmax = maxNorm(K, cnorm);
  const rel = 5e-7 * Math.sqrt(<f64>d);
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const eta = rel * (<f64>load<f32>(xnorm + (<usize>i << 2)) + cmax);
    nearest(XC + ((<usize>i * <usize>K) << 2), K, cnorm, d, R + ((<usize>i * <usize>d) << 2), C, eta);
    const lp = labels + (<usize>i << 2);
    if (load<i32>(lp) != arg1) changed++;
    store<i32>(lp, arg1);
  }
  return changed;
}

/** ‖x − c‖² in f64 for d f32 values x and d f64 values c. */
function sq_distance(d: i32, x: usize, c: usize): f64 {
  let acc = f64x2.splat(0);
  let j = 0;
  for (; j + 1 < d; j += 2) {
    const t = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2))), v128.load(c + (<usize>j << 3)));
    acc = f64x2.add(acc, f64x2.mul(t, t));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (j < d) {
    const t = <f64>load<f32>(x + (<usize>j << 2)) - load<f64>(c + (<usize>j << 3));
    s += t * t;
  }
  return s;
}

/**
 * ‖x − c‖² in f32 (d f32 values each): the upper-bound test's fast distance (see kmeans_bounds, whose margin covers
 * any summation order). Four accumulators of four lanes, so the adds do not wait on one another.
 */
function sq_dist_f32(d: i32, x: usize, c: usize): f32 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let j = 0;
  for (; j + 16 <= d; j += 16) {
    const p = x + (<usize>j << 2);
    const q = c + (<usize>j << 2);
    const t0 = f32x4.sub(v128.load(p), v128.load(q));
    const t1 = f32x4.sub(v128.load(p, 16), v128.load(q, 16));
    const t2 = f32x4.sub(v128.load(p, 32), v128.load(q, 32));
    const t3 = f32x4.sub(v128.load(p, 48), v128.load(q, 48));
    a0 = f32x4.add(a0, f32x4.mul(t0, t0));
    a1 = f32x4.add(a1, f32x4.mul(t1, t1));
    a2 = f32x4.add(a2, f32x4.mul(t2, t2));
    a3 = f32x4.add(a3, f32x4.mul(t3, t3));
  }
  for (; j + 4 <= d; j += 4) {
    const t = f32x4.sub(v128.load(x + (<usize>j << 2)), v128.load(c + (<usize>j << 2)));
    a0 = f32x4.add(a0, f32x4.mul(t, t));
  }
  const acc = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; j < d; j++) {
    const t = load<f32>(x + (<usize>j << 2)) - load<f32>(c + (<usize>j << 2));
    s += t * t;
  }
  return s;
}

/** lc[j] − drift[j] for the two f32 bounds in the low lanes of `v`, in f64. */
// @ts-ignore: decorator
@inline function boundsLow(v: v128, drift: usize): v128 {
  return f64x2.sub(f64x2.promote_low_f32x4(v), v128.load(drift));
}

/**
 * The smallest per-centre lower bound of one row over the centres other than its own (lc[j] − drift[j], j ≠ a, see
 * kmeans_bounds; lc in f32, the difference in f64), or −1 as soon as one is below ui (the row must be computed).
 */
function centreBounds(K: i32, a: i32, lc: usize, drift: usize, ui: f64): f64 {
  // The own centre's slot reads +∞ during the scan (Infinity − drift = Infinity), so every centre is tested alike.
  const ownAt = lc + (<usize>a << 2);
  const own = load<f32>(ownAt);
  store<f32>(ownAt, Infinity);
  const uv = f64x2.splat(ui);
  let mv = f64x2.splat(Infinity);
  let lo: f64 = -1;
  let j = 0;
  for (; j + 4 <= K; j += 4) {
    const v = v128.load(lc + (<usize>j << 2));
    const dr = drift + (<usize>j << 3);
    const b0 = boundsLow(v, dr);
    const b1 = boundsLow(v128.shuffle<f32>(v, v, 2, 3, 0, 1), dr + 16);
    if (v128.any_true(v128.or(f64x2.lt(b0, uv), f64x2.lt(b1, uv)))) break;
    mv = f64x2.pmin(mv, f64x2.pmin(b0, b1)); // no NaN here (b ≥ ui was just checked), so the one-instruction minimum
  }
  if (j + 4 > K) {
    lo = min(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
    for (; j < K; j++) {
      const b = <f64>load<f32>(lc + (<usize>j << 2)) - load<f64>(drift + (<usize>j << 3));
      if (b < ui) {
        lo = -1;
        break;
      }
      lo = min(lo, b);
    }
  }
  store<f32>(ownAt, own);
  return lo;
}

/**
 * Hamerly's bounds for one Lloyd step (exact in exact arithmetic: a skipped row keeps the nearest centre). After
 * the centres moved by delta[k] (f64 K; dmax1/dmax2 the two largest, amax the index of the largest):
 * u[i] += delta[label], l[i] −= largest move of another centre; a row whose upper bound is not above
 * max(s[label], l[i]) (s[k] = half the distance from centre k to the nearest other one) keeps its label, else the
 * upper bound is tightened to its distance to its centre and tested again; a row that still fails is tested
 * against its per-centre lower bounds (Elkan's, kept lazily: lc[i, j] − drift[j] bounds the distance to centre j,
 * where lc was set when the row's distances were last computed plus drift[j] then, and drift[j] = Σ of centre j's
 * moves so far; reading them only for these rows costs no pass over n × K). The rows that still fail are listed
 * in idx and copied to `out` (m × d, for the distance GEMM); returns their count m. u, l (n): f64; lc (n × K): f32
 * rounded down (half the bytes of the rows' f64 bounds to stream through per step); lc = 0: no per-centre bounds
 * kept (many centres, see the SDK's layout).
 * The tightening distance is taken in f32 against C32 (the f64 centres rounded to f32, row-major K × d) and made a
 * safe upper bound of the exact one: its rounding (relative (d + 16)·2⁻²⁴ covers the f32 sums) plus
 * cerr[k] = ‖C[k] − C32[k]‖ (kmeans_moves), by the triangle inequality.
 */
export function kmeans_bounds(
  n: i32, d: i32, K: i32, X: usize, labels: usize, u: usize, l: usize, lc: usize, drift: usize, C32: usize, cerr: usize, delta: usize, s: usize,
  dmax1: f64, dmax2: f64, amax: i32, idx: usize, out: usize,
): i32 {
  const rowBytes = <usize>d << 2;
  const grow = 1 + <f64>(d + 16) * 5.960464477539063e-8;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const a = load<i32>(labels + (<usize>i << 2));
    const up = u + (<usize>i << 3);
    const lp = l + (<usize>i << 3);
    let ui = load<f64>(up) + load<f64>(delta + (<usize>a << 3));
    let li = load<f64>(lp) - (a == amax ? dmax2 : dmax1);
    const m = max(load<f64>(s + (<usize>a << 3)), li);
    if (ui > m) {
      const x = X + <usize>i * rowBytes;
      ui = min(ui, Math.sqrt(<f64>sq_dist_f32(d, x, C32 + <usize>a * rowBytes)) * grow + load<f64>(cerr + (<usize>a << 3)));
      if (ui > m) {
        const lb = lc ? centreBounds(K, a, lc + <usize>i * <usize>K * 4, drift, ui) : -1;
        if (ui <= lb) {
          li = max(li, lb); // settled by the per-centre bounds, whose minimum may also tighten Hamerly's
        } else {
          store<i32>(idx + (<usize>count << 2), i);
          memory.copy(out + <usize>count * rowBytes, x, rowBytes);
          count++;
        }
      }
    }
    store<f64>(up, ui);
    store<f64>(lp, li);
  }
  return count;
}

/**
 * Full assignment of m rows (row r is row idx[r] of the chunk; idx = 0: row r itself) from their distance GEMM
 * XC (m × K, of the centred rows; xnorm their ‖x‖²): new label (exact: see nearest, with R the rows as given and C
 * the f64 centres in their coordinates), fresh bounds u = √(d₁ + η), l = √(d₂ − η) (√(d₁ − η) when the exact
 * comparison decided), lc[i, j] = √(d_j − η) + drift[j] rounded down to f32 (unless lc = 0)
 * (η = 5e-7·√d·(‖x‖² + max‖c‖²) covers the float32 error of the GEMM trick, so the bounds hold for the exact
 * distances), and the label change applied to the chunk's running cluster sums of the rows as given (sums K × d,
 * wsum K f64; members K i32 — a cluster left with no member is reset to exact zeros). Old label −1: a fresh row.
 * w = 0: unit weights. Returns the number of changed labels.
 */
export function kmeans_update(m: i32, d: i32, K: i32, XC: usize, cnorm: usize, R: usize, C: usize, idx: usize, xnorm: usize, w: usize, labels: usize, u: usize, l: usize, lc: usize, drift: usize, sums: usize, wsum: usize, members: usize): i32 {
  const cmax = maxNorm(K, cnorm);
  const rel = 5e-7 * Math.sqrt(<f64>d);
  let changed = 0;
  for (let r = 0; r < m; r++) {
    const i = idx ? load<i32>(idx + (<usize>r << 2)) : r;
    const xcRow = XC + ((<usize>r * <usize>K) << 2);
    const x = R + ((<usize>i * <usize>d) << 2);
    const xn = load<f32>(xnorm + (<usize>i << 2));
    const eta = rel * (<f64>xn + cmax);
    // u bounds the distance to scan's choice, so to the nearest; after an exact comparison the runner-up may be
    // scan's choice itself, whose distance is only known to be above d₁ − η.
    const second = nearest(xcRow, K, cnorm, d, x, C, eta) ? best1 : best2;
    store<f64>(u + (<usize>i << 3), Math.sqrt(max(<f64>xn + <f64>best1, 0) + eta));
    store<f64>(l + (<usize>i << 3), Math.sqrt(max(<f64>xn + <f64>second - eta, 0)));
    if (lc) setCentreBounds(K, xcRow, cnorm, <f64>xn, eta, drift, lc + ((<usize>i * <usize>K) << 2));
    const lp = labels + (<usize>i << 2);
    const old = load<i32>(lp);
    if (old == arg1) continue;
    changed++;
    store<i32>(lp, arg1);
    const wi: f64 = w ? <f64>load<f32>(w + (<usize>i << 2)) : 1;
    if (old >= 0) move(d, x, -wi, K, old, sums, wsum, members, -1);
    move(d, x, wi, K, arg1, sums, wsum, members, 1);
  }
  return changed;
}

/** x (f64, ≥ 0) as the largest f32 not above it: a lower bound stays one in f32. */
// @ts-ignore: decorator
@inline function f32Down(x: f64): f32 {
  const r = <f32>x;
  return <f64>r > x ? reinterpret<f32>(reinterpret<i32>(r) - 1) : r;
}

/**
 * One row's per-centre bounds from its GEMM distances: row[j] = √(xn + d_j − η) + drift[j] (d_j in f32, as scan),
 * rounded down to f32.
 */
function setCentreBounds(K: i32, xcRow: usize, cnorm: usize, xn: f64, eta: f64, drift: usize, row: usize): void {
  const xv = f64x2.splat(xn);
  const ev = f64x2.splat(eta);
  const zero = f64x2.splat(0);
  let j = 0;
  for (; j + 2 <= K; j += 2) {
    // Two centres at a time, the same operations as the scalar tail: d_j in f32, the rest in f64.
    const xc = v128.load64_zero(xcRow + (<usize>j << 2));
    const dj = f64x2.promote_low_f32x4(f32x4.sub(v128.load64_zero(cnorm + (<usize>j << 2)), f32x4.add(xc, xc)));
    const b = f64x2.add(f64x2.sqrt(f64x2.pmax(f64x2.sub(f64x2.add(xv, dj), ev), zero)), v128.load(drift + (<usize>j << 3)));
    // Round to nearest, then one ulp down (b ≥ 0, so the bits step down) where that landed above b.
    const r = f32x4.demote_f64x2_zero(b);
    const up = f64x2.gt(f64x2.promote_low_f32x4(r), b); // all ones (−1 in each half) where it rounded up
    v128.store64_lane(row + (<usize>j << 2), i32x4.add(r, v128.shuffle<i32>(up, up, 0, 2, 0, 2)), 0);
  }
  for (; j < K; j++) {
    const xc = load<f32>(xcRow + (<usize>j << 2));
    const dj = load<f32>(cnorm + (<usize>j << 2)) - (xc + xc);
    store<f32>(row + (<usize>j << 2), f32Down(Math.sqrt(max(xn + <f64>dj - eta, 0)) + load<f64>(drift + (<usize>j << 3))));
  }
}

/** sums[k, :] += wi·x, wsum[k] += wi, members[k] += dm; a cluster with no member left is set to exact zeros. */
function move(d: i32, x: usize, wi: f64, K: i32, k: i32, sums: usize, wsum: usize, members: usize, dm: i32): void {
  const s = sums + ((<usize>k * <usize>d) << 3);
  const mp = members + (<usize>k << 2);
  const cnt = load<i32>(mp) + dm;
  store<i32>(mp, cnt);
  if (cnt == 0) {
    memory.fill(s, 0, <usize>d << 3);
    store<f64>(wsum + (<usize>k << 3), 0);
    return;
  }
  const wv = f64x2.splat(wi);
  let j = 0;
  for (; j + 1 < d; j += 2) {
    const o = <usize>j << 3;
    v128.store(s + o, f64x2.add(v128.load(s + o), f64x2.mul(wv, f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2))))));
  }
  if (j < d) store<f64>(s + (<usize>j << 3), load<f64>(s + (<usize>j << 3)) + wi * <f64>load<f32>(x + (<usize>j << 2)));
  store<f64>(wsum + (<usize>k << 3), load<f64>(wsum + (<usize>k << 3)) + wi);
}

/** out[i] = ‖x_i − C[labels[i]]‖² exactly in f64 (C: K × d f64). */
export function kmeans_row_dist(n: i32, d: i32, X: usize, labels: usize, C: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    store<f64>(out + (<usize>i << 3), sq_distance(d, X + ((<usize>i * <usize>d) << 2), C + ((<usize>load<i32>(labels + (<usize>i << 2)) * <usize>d) << 3)));
  }
}

/** Σ_i w_i·‖x_i − C[labels[i]]‖², exactly in f64 (C: K × d f64; w = 0: unit weights). */
export function kmeans_inertia(n: i32, d: i32, X: usize, labels: usize, w: usize, C: usize): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const r2 = sq_distance(d, X + ((<usize>i * <usize>d) << 2), C + ((<usize>load<i32>(labels + (<usize>i << 2)) * <usize>d) << 3));
    total += w ? <f64>load<f32>(w + (<usize>i << 2)) * r2 : r2;
  }
  return total;
}

/**
 * k-means++ candidate distances: cand[i, j] = min(closest[i], max(xnorm[i] + cnorm[j] − 2·XC[i, j], 0)) for L
 * candidates (closest = 0: no centre yet), and pot[j] += Σ_i w_i·cand[i, j] in row order (w = 0: unit
 * weights). XC, cand: n × L. kmeans_pp_search sums the chosen column in the same order, so its running
 * totals end exactly on pot[best].
 */
export function kmeans_pp_dist(n: i32, L: i32, XC: usize, xnorm: usize, cnorm: usize, closest: usize, w: usize, cand: usize, pot: usize): void {
  for (let i = 0; i < n; i++) {
    const xn = load<f32>(xnorm + (<usize>i << 2));
    const cl: f32 = closest ? load<f32>(closest + (<usize>i << 2)) : Infinity;
    const wi: f64 = w ? <f64>load<f32>(w + (<usize>i << 2)) : 1;
    const o = (<usize>i * <usize>L) << 2;
    for (let j = 0; j < L; j++) {
      const xc = load<f32>(XC + o + (<usize>j << 2));
      let dd = xn + load<f32>(cnorm + (<usize>j << 2)) - (xc + xc);
      if (!(dd > 0)) dd = 0;
      if (cl < dd) dd = cl;
      store<f32>(cand + o + (<usize>j << 2), dd);
      const p = pot + (<usize>j << 3);
      store<f64>(p, load<f64>(p) + (w ? wi * <f64>dd : <f64>dd));
    }
  }
}

/**
 * k-means++ step: closest[i] = cand[i, best] (n × L), then for the m ascending targets, out[t] = first row
 * whose running Σ w·closest reaches targets[t] (numpy's searchsorted), clipped to n − 1.
 */
export function kmeans_pp_search(n: i32, L: i32, cand: usize, best: i32, w: usize, closest: usize, targets: usize, m: i32, out: usize): void {
  let s: f64 = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(cand + ((<usize>i * <usize>L + <usize>best) << 2));
    store<f32>(closest + (<usize>i << 2), v);
    s += w ? <f64>load<f32>(w + (<usize>i << 2)) * <f64>v : <f64>v;
    for (; t < m && s >= load<f64>(targets + (<usize>t << 3)); t++) store<i32>(out + (<usize>t << 2), i);
  }
  for (; t < m; t++) store<i32>(out + (<usize>t << 2), n - 1);
}

/** Squared Euclidean distance between d f64 values at a and b. */
function sq_dist_f64(d: i32, a: usize, b: usize): f64 {
  let acc = f64x2.splat(0);
  let j = 0;
  for (; j + 1 < d; j += 2) {
    const t = f64x2.sub(v128.load(a + (<usize>j << 3)), v128.load(b + (<usize>j << 3)));
    acc = f64x2.add(acc, f64x2.mul(t, t));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (j < d) {
    const t = load<f64>(a + (<usize>j << 3)) - load<f64>(b + (<usize>j << 3));
    s += t * t;
  }
  return s;
}

/**
 * What Hamerly's bounds need about a centre update (prev, next: K × d f64): delta[k] = how far centre k moved,
 * grown by a relative 1e-9 so that rounding never makes a bound too tight, s[k] = half the distance from centre
 * k to its nearest other centre, shrunk by the same margin (Infinity when K = 1), and cerr[k] = ‖next[k] −
 * f32(next[k])‖ grown by the margin (how far the f32 copy of a centre that kmeans_bounds uses can be off).
 */
export function kmeans_moves(K: i32, d: i32, prev: usize, next: usize, delta: usize, s: usize, cerr: usize): void {
  const rowBytes = <usize>d << 3;
  for (let k = 0; k < K; k++) {
    store<f64>(delta + (<usize>k << 3), Math.sqrt(sq_dist_f64(d, prev + <usize>k * rowBytes, next + <usize>k * rowBytes)) * (1 + 1e-9));
    store<f64>(s + (<usize>k << 3), Infinity);
    let e2: f64 = 0;
    for (let j = 0; j < d; j++) {
      const v = load<f64>(next + <usize>k * rowBytes + (<usize>j << 3));
      const t = v - <f64><f32>v;
      e2 += t * t;
    }
    store<f64>(cerr + (<usize>k << 3), Math.sqrt(e2) * (1 + 1e-9));
  }
  for (let a = 0; a < K; a++) {
    const sa = s + (<usize>a << 3);
    for (let b = a + 1; b < K; b++) {
      const h = 0.5 * Math.sqrt(sq_dist_f64(d, next + <usize>a * rowBytes, next + <usize>b * rowBytes)) * (1 - 1e-9);
      const sb = s + (<usize>b << 3);
      if (h < load<f64>(sa)) store<f64>(sa, h);
      if (h < load<f64>(sb)) store<f64>(sb, h);
    }
  }
}
