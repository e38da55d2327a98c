// The K-Means bound kernels against slow f64 references: kmeans_moves (centre moves, half gaps to the nearest
// other centre, f32 rounding of the centres) and kmeans_bounds (Hamerly's test with the f32 tightening, then the
// per-centre lower bounds): every bound it leaves must still hold for the exact distances, and every row it settles
// must really keep its nearest centre.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getEngine } from './helpers/engine.mjs';
import { randF32, randF64 } from './helpers/util.mjs';

const e = await getEngine();
const dist = (a, i, b, j, d) => {
  let s = 0;
  for (let t = 0; t < d; t++) s += (a[i * d + t] - b[j * d + t]) ** 2;
  return Math.sqrt(s);
};

/** The largest f32 not above x (≥ 0): how the per-centre lower bounds are stored. */
const f32Down = (x) => {
  const r = Math.fround(x);
  if (r <= x) return r;
  const b = new Float32Array([r]);
  new Int32Array(b.buffer)[0]--;
  return b[0];
};

function moves(K, d, prev, next) {
  return e.scoped((take) => {
    const [p, c, dl, sp, ce] = [take(K * d * 8), take(K * d * 8), take(K * 8), take(K * 8), take(K * 8)];
    e.f64(p, K * d).set(prev);
    e.f64(c, K * d).set(next);
    e.call('kmeans_moves', K, d, p, c, dl, sp, ce);
    return { delta: e.f64(dl, K).slice(), s: e.f64(sp, K).slice(), cerr: e.f64(ce, K).slice() };
  });
}

for (const [K, d] of [[1, 3], [5, 1], [7, 9], [50, 100]])
  test(`kmeans_moves K=${K} d=${d}: moves, half gaps and f32 errors with their safety margins`, () => {
    const prev = randF64(K * d, K + d);
    const next = prev.map((v, i) => v + 0.1 * Math.sin(i));
    const { delta, s, cerr } = moves(K, d, prev, next);
    const f32 = Float64Array.from(Float32Array.from(next));
    for (let k = 0; k < K; k++) {
      const dk = dist(prev, k, next, k, d);
      assert.ok(delta[k] >= dk && delta[k] <= dk * (1 + 1e-8) + 1e-300, `delta ${k}`);
      let gap = Infinity;
      for (let j = 0; j < K; j++) if (j !== k) gap = Math.min(gap, dist(next, k, next, j, d) / 2);
      assert.ok(s[k] <= gap && (gap === Infinity ? s[k] === Infinity : s[k] >= gap * (1 - 1e-8)), `s ${k}: ${s[k]} vs ${gap}`);
      const ek = dist(next, k, f32, k, d);
      assert.ok(cerr[k] >= ek && cerr[k] <= ek * (1 + 1e-8) + 1e-300, `cerr ${k}`);
    }
  });

for (const [n, d, K] of [[200, 100, 50], [97, 7, 5], [64, 1, 3]])
  test(`kmeans_bounds ${n}×${d}, K=${K}: kept bounds hold, settled rows keep their nearest centre`, () => {
    const X = randF32(n * d, n);
    // Centres after a small move from `prev`; labels = nearest previous centre, bounds exact for prev (as after a step).
    const prev = Float64Array.from(randF32(K * d, 7));
    const C = prev.map((v, i) => v + 0.02 * Math.cos(3 * i));
    const near = (cs, i) => {
      const ds = Array.from({ length: K }, (_, k) => dist(X, i, cs, k, d));
      const a = ds.indexOf(Math.min(...ds));
      return { a, ds, d1: ds[a], d2: Math.min(...ds.filter((_, k) => k !== a)) };
    };
    const start = Array.from({ length: n }, (_, i) => near(prev, i));
    const { delta, s, cerr } = moves(K, d, prev, C);
    let [dmax1, dmax2, amax] = [0, 0, 0];
    delta.forEach((v, k) => (v > dmax1 ? ([dmax2, dmax1, amax] = [dmax1, v, k]) : v > dmax2 && (dmax2 = v)));
    // Per-centre bounds stored with the drift at the time (arbitrary offsets), read against the drift after the move.
    const before = Float64Array.from({ length: K }, (_, k) => 0.25 * k);
    const drift = before.map((v, k) => v + delta[k]);
    const run = (perCentre) => e.scoped((take) => {
      const [px, pl, pu, plo, plc, pdr, pc, pce, pd, ps, pidx, pout] = [n * d * 4, n * 4, n * 8, n * 8, n * K * 4, K * 8, K * d * 4, K * 8, K * 8, K * 8, n * 4, n * d * 4].map(take);
      e.f32(px, n * d).set(X);
      e.i32(pl, n).set(start.map((r) => r.a));
      e.f64(pu, n).set(start.map((r) => r.d1));
      e.f64(plo, n).set(K > 1 ? start.map((r) => r.d2) : new Float64Array(n));
      e.f32(plc, n * K).set(start.flatMap((r) => r.ds.map((v, k) => f32Down(v + before[k]))));
      e.f64(pdr, K).set(drift);
      e.f32(pc, K * d).set(Float32Array.from(C));
      e.f64(pce, K).set(cerr);
      e.f64(pd, K).set(delta);
      e.f64(ps, K).set(s);
      const m = e.call('kmeans_bounds', n, d, K, px, pl, pu, plo, perCentre ? plc : 0, pdr, pc, pce, pd, ps, dmax1, dmax2, amax, pidx, pout);
      return { m, u: e.f64(pu, n).slice(), l: e.f64(plo, n).slice(), idx: e.i32(pidx, m).slice(), rows: e.f32(pout, m * d).slice() };
    });
    const hamerly = run(false); // lc = 0: Hamerly's bounds alone (what K > 64 runs)
    const out = run(true);
    assert.ok(out.m > 0 && out.m < n, `some rows settled, some not (${out.m} of ${n})`);
    assert.ok(out.m <= hamerly.m, 'the per-centre bounds only settle more rows');
    if (K >= 50) assert.ok(out.m < hamerly.m, `the per-centre bounds settle rows Hamerly's cannot (${out.m} vs ${hamerly.m})`);
    for (const r of [hamerly, out]) {
      const listed = new Set(r.idx);
      for (let i = 0; i < n; i++) {
        const a = start[i].a;
        const now = near(C, i);
        assert.ok(r.u[i] >= now.ds[a], `row ${i}: upper bound ${r.u[i]} below the exact distance`);
        if (!listed.has(i)) {
          assert.is(now.a, a, `settled row ${i} changed its nearest centre`);
          if (K > 1) assert.ok(r.l[i] <= Math.min(...now.ds.filter((_, k) => k !== a)), `row ${i}: lower bound above the distance to another centre`);
        }
      }
      r.idx.forEach((i, k) => assert.equal(Array.from(r.rows.subarray(k * d, (k + 1) * d)), Array.from(X.subarray(i * d, (i + 1) * d)), `gathered row ${k}`));
    }
  });

test('kmeans_update: fresh bounds hold for the exact distances (the GEMM trick\'s f32 error covered), per-centre ones offset by the drift', () => {
  const [n, d, K] = [60, 30, 7];
  const X = randF32(n * d, 11).map((v) => v + 3); // an offset makes ‖x‖² large against the distances
  const C = randF32(K * d, 12).map((v) => v + 3);
  const drift = Float64Array.from({ length: K }, (_, k) => 0.5 * k);
  const r = e.scoped((take) => {
    const [px, pxn, pct, pcn, pxc, pl, pu, plo, plc, pdr, psum, pws, pmem, pC] = [n * d * 4, n * 4, K * d * 4, K * 4, n * K * 4, n * 4, n * 8, n * 8, n * K * 4, K * 8, K * d * 8, K * 8, K * 4, K * d * 8].map(take);
    e.f32(px, n * d).set(X);
    e.f32(pxn, n).set(Array.from({ length: n }, (_, i) => X.subarray(i * d, (i + 1) * d).reduce((a, v) => a + v * v, 0)));
    const ct = e.f32(pct, K * d);
    for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) ct[j * K + k] = C[k * d + j];
    e.f32(pcn, K).set(Array.from({ length: K }, (_, k) => C.subarray(k * d, (k + 1) * d).reduce((a, v) => a + v * v, 0)));
    e.call('gemm', 0, 0, n, K, d, 1, px, d, pct, K, 0, pxc, K);
    e.i32(pl, n).fill(-1);
    e.f64(pdr, K).set(drift);
    e.u32(psum, (K * d + K) * 2).fill(0);
    e.i32(pmem, K).fill(0);
    e.f64(pC, K * d).set(C);
    e.call('kmeans_update', n, d, K, pxc, pcn, px, pC, 0, pxn, 0, pl, pu, plo, plc, pdr, psum, pws, pmem);
    return {
      labels: e.i32(pl, n).slice(), u: e.f64(pu, n).slice(), l: e.f64(plo, n).slice(), lc: e.f32(plc, n * K).slice(),
      xc: e.f32(pxc, n * K).slice(), xn: e.f32(pxn, n).slice(), cn: e.f32(pcn, K).slice(),
    };
  });
  // Each stored bound is exactly the f64 value of the documented formula rounded down to f32 (SIMD pairs and tail).
  const cmax = Math.max(...r.cn);
  for (let i = 0; i < n; i++) {
    const eta = 5e-7 * Math.sqrt(d) * (r.xn[i] + cmax);
    for (let j = 0; j < K; j++) {
      const dj = Math.fround(r.cn[j] - Math.fround(r.xc[i * K + j] * 2));
      assert.is(r.lc[i * K + j], f32Down(Math.sqrt(Math.max(r.xn[i] + dj - eta, 0)) + drift[j]), `row ${i} centre ${j}: stored bound`);
    }
  }
  for (let i = 0; i < n; i++) {
    const ds = Array.from({ length: K }, (_, k) => dist(X, i, C, k, d));
    const a = r.labels[i];
    assert.is(a, ds.indexOf(Math.min(...ds)), `row ${i}: nearest centre`);
    assert.ok(r.u[i] >= ds[a], `row ${i}: upper bound below the exact distance`);
    assert.ok(r.l[i] <= Math.min(...ds.filter((_, k) => k !== a)), `row ${i}: lower bound above the second distance`);
    for (let j = 0; j < K; j++) {
      const b = r.lc[i * K + j] - drift[j];
      assert.ok(b <= ds[j] && b >= ds[j] * 0.99, `row ${i}: per-centre bound ${j} wrong or loose`);
    }
  }
});

test('kmeans_update and kmeans_assign: labels are the exact nearest centres where the f32 GEMM trick cannot tell', () => {
  // Rows on the bisector of two centres 2 apart around an offset of 1000 (‖x‖² ≈ 1.6e7, so the GEMM trick's f32
  // values are off by ~1), nudged towards one side by 2⁻⁹ steps (squared distances 8e-3 apart per step) or left
  // exactly tied; a third centre far.
  const [n, d, K] = [240, 16, 3];
  const off = 1000;
  const C = new Float64Array(K * d).fill(off);
  C[0] = off + 1;
  C[d] = off - 1;
  C[2 * d] = off + 50;
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = off + Math.fround(Math.sin(i * 7 + j * 3) * 0.5);
    X[i * d] = off + ((i % 7) - 3) * 2 ** -9; // exact in f32; 0 = an exact tie
  }
  const want = Array.from({ length: n }, (_, i) => (i % 7 < 3 ? 1 : 0)); // x₀ below 1000 is nearer centre 1; ties → 0
  const run = (kernel) => e.scoped((take) => {
    const [px, pxn, pct, pcn, pxc, pl, pC] = [n * d * 4, n * 4, K * d * 4, K * 4, n * K * 4, n * 4, K * d * 8].map(take);
    e.f32(px, n * d).set(X);
    e.f32(pxn, n).set(Array.from({ length: n }, (_, i) => X.subarray(i * d, (i + 1) * d).reduce((a, v) => a + v * v, 0)));
    const ct = e.f32(pct, K * d);
    for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) ct[j * K + k] = C[k * d + j];
    e.f32(pcn, K).set(Array.from({ length: K }, (_, k) => C.subarray(k * d, (k + 1) * d).reduce((a, v) => a + v * v, 0)));
    e.f64(pC, K * d).set(C);
    e.call('gemm', 0, 0, n, K, d, 1, px, d, pct, K, 0, pxc, K);
    e.i32(pl, n).fill(-1);
    if (kernel === 'assign') e.call('kmeans_assign', n, d, K, pxc, pcn, pxn, px, pC, pl);
    else
      e.scoped((t) => {
        const [pu, plo, pdr, psum, pws, pmem] = [n * 8, n * 8, K * 8, K * d * 8, K * 8, K * 4].map(t);
        e.u32(psum, (K * d + K) * 2).fill(0);
        e.i32(pmem, K).fill(0);
        e.f64(pdr, K).fill(0);
        e.call('kmeans_update', n, d, K, pxc, pcn, px, pC, 0, pxn, 0, pl, pu, plo, 0, pdr, psum, pws, pmem);
      });
    // What the f32 values alone would pick (scan's argmin), to show the rows are beyond them.
    const xc = e.f32(pxc, n * K);
    const cn = e.f32(pcn, K);
    const f32Pick = Array.from({ length: n }, (_, i) => {
      const v = Array.from({ length: K }, (_, k) => Math.fround(cn[k] - Math.fround(xc[i * K + k] * 2)));
      return v.indexOf(Math.min(...v));
    });
    return { labels: Array.from(e.i32(pl, n)), f32Pick };
  });
  for (const kernel of ['assign', 'update']) {
    const r = run(kernel);
    assert.ok(r.f32Pick.some((a, i) => a !== want[i]), 'the f32 values alone get some rows wrong');
    assert.equal(r.labels, want, `${kernel}: exact nearest centres, lowest index on ties`);
  }
});

test.run();
