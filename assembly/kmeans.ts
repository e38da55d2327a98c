// K-Means kernels around the distance GEMM: squared distances ‖x‖² + ‖c‖² − 2·x·c from XC = X·Cᵀ (the SDK runs
// the GEMM), nearest-centre labels, per-cluster f64 sums, exact inertia, and the two steps of greedy k-means++.
// Labels are i32; data, norms and distances f32; every sum f64 in row order (same bits in every worker).

/**
 * Nearest centre of each row: argmin_k cnorm[k] − 2·XC[i, k] (ties → lowest k). mindist[i] = max(xnorm[i] +
 * that minimum, 0), the squared distance. labels holds the previous labels on entry; returns how many changed.
 */
export function kmeans_assign(n: i32, K: i32, XC: usize, ldxc: i32, cnorm: usize, xnorm: usize, labels: usize, mindist: usize): i32 {
  const K4 = K & ~3;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const row = XC + ((<usize>i * <usize>ldxc) << 2);
    let best: f32 = Infinity;
    let bi = 0;
    if (K4 > 0) {
      let bv = f32x4.splat(Infinity);
      let bidx = i32x4.splat(0);
      let kv = i32x4(0, 1, 2, 3);
      const four = i32x4.splat(4);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        const xc = v128.load(row + o);
        const v = f32x4.sub(v128.load(cnorm + o), f32x4.add(xc, xc));
        const lt = f32x4.lt(v, bv);
        bv = v128.bitselect(v, bv, lt);
        bidx = v128.bitselect(kv, bidx, lt);
        kv = i32x4.add(kv, four);
      }
      best = f32x4.extract_lane(bv, 0);
      bi = i32x4.extract_lane(bidx, 0);
      // Lane l holds the first minimum among k ≡ l (mod 4): the overall first minimum is the lowest index among ties.
      const v1 = f32x4.extract_lane(bv, 1), i1 = i32x4.extract_lane(bidx, 1);
      if (v1 < best || (v1 == best && i1 < bi)) { best = v1; bi = i1; }
      const v2 = f32x4.extract_lane(bv, 2), i2 = i32x4.extract_lane(bidx, 2);
      if (v2 < best || (v2 == best && i2 < bi)) { best = v2; bi = i2; }
      const v3 = f32x4.extract_lane(bv, 3), i3 = i32x4.extract_lane(bidx, 3);
      if (v3 < best || (v3 == best && i3 < bi)) { best = v3; bi = i3; }
    }
    for (let k = K4; k < K; k++) {
      const xc = load<f32>(row + (<usize>k << 2));
      const v = load<f32>(cnorm + (<usize>k << 2)) - (xc + xc);
      if (v < best) {
        best = v;
        bi = k;
      }
    }
    const lp = labels + (<usize>i << 2);
    if (load<i32>(lp) != bi) changed++;
    store<i32>(lp, bi);
    const dist = load<f32>(xnorm + (<usize>i << 2)) + best;
    store<f32>(mindist + (<usize>i << 2), dist > 0 ? dist : 0);
  }
  return changed;
}

/**
 * Per-cluster sums for the centre update: sums[l, :] += w_i·x_i and counts[l] += w_i with l = labels[i]
 * (w = 0: unit weights). X is n × d dense. Returns Σ_i w_i·mindist[i] (the inertia of the labels' centres).
 */
export function kmeans_sums(n: i32, d: i32, X: usize, labels: usize, w: usize, mindist: usize, sums: usize, counts: usize): f64 {
  let inertia: f64 = 0;
  for (let i = 0; i < n; i++) {
    const l = load<i32>(labels + (<usize>i << 2));
    const wi: f64 = w ? <f64>load<f32>(w + (<usize>i << 2)) : 1;
    const x = X + ((<usize>i * <usize>d) << 2);
    const s = sums + ((<usize>l * <usize>d) << 3);
    const wv = f64x2.splat(wi);
    let j = 0;
    for (; j + 1 < d; j += 2) {
      const o = <usize>j << 3;
      const xv = f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2)));
      v128.store(s + o, f64x2.add(v128.load(s + o), w ? f64x2.mul(wv, xv) : xv));
    }
    if (j < d) store<f64>(s + (<usize>j << 3), load<f64>(s + (<usize>j << 3)) + wi * <f64>load<f32>(x + (<usize>j << 2)));
    const cp = counts + (<usize>l << 3);
    store<f64>(cp, load<f64>(cp) + wi);
    inertia += wi * <f64>load<f32>(mindist + (<usize>i << 2));
  }
  return inertia;
}

/** Σ_i w_i·‖x_i − C[labels[i]]‖², exactly in f64 (C: K × d f64; w = 0: unit weights). */
export function kmeans_inertia(n: i32, d: i32, X: usize, labels: usize, w: usize, C: usize): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = X + ((<usize>i * <usize>d) << 2);
    const c = C + ((<usize>load<i32>(labels + (<usize>i << 2)) * <usize>d) << 3);
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
    total += w ? <f64>load<f32>(w + (<usize>i << 2)) * s : s;
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
