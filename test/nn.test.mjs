// nn kernels (assembly/nn): every op against a slow f64 reference on awkward shapes, every backward against
// central finite differences of a scalar loss computed with that reference, and the W5/W6 layer types, losses,
// Adam and initialisation against PyTorch (test/fixtures/nn_torch.json). NN_BENCH=1 also prints throughput.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getEngine } from './helpers/engine.mjs';
import { randF64, rng } from './helpers/util.mjs';

const e = await getEngine();
const fx = JSON.parse(readFileSync(new URL('./fixtures/nn_torch.json', import.meta.url), 'utf8'));

// ---------------------------------------------------------------------------------------------------------
// Calling kernels: arrays are copied in as f32; out()/out64() are written by the kernel (pre-filled with NaN,
// followed by a guard that must survive); inout() is copied in and read back; ws() is workspace garbage.

const GUARD = 16;
const out = (n) => ({ kind: 'f32', n });
const out64 = (n) => ({ kind: 'f64', n });
const inout = (init) => ({ kind: 'f32', n: init.length, init });
const ws = (bytes) => ({ kind: 'ws', n: bytes });

function kernel(name, ...args) {
  return e.scoped((take) => {
    const bufs = [];
    const ptrs = args.map((a) => {
      if (typeof a === 'number') return a;
      if (ArrayBuffer.isView(a)) {
        const p = take(a.length * 4);
        e.f32(p, a.length).set(a);
        return p;
      }
      const bytes = a.kind === 'ws' ? a.n : a.n * (a.kind === 'f64' ? 8 : 4);
      const p = take(bytes + GUARD);
      new Uint8Array(e.memory.buffer, p, bytes + GUARD).fill(0xff);
      if (a.init) e.f32(p, a.n).set(a.init);
      if (a.kind !== 'ws') bufs.push({ ...a, p, bytes });
      return p;
    });
    e.call(name, ...ptrs);
    return bufs.map((b) => {
      const guard = new Uint8Array(e.memory.buffer, b.p + b.bytes, GUARD);
      assert.ok(guard.every((v) => v === 0xff), `${name} wrote past the end of an output`);
      return Float64Array.from(b.kind === 'f64' ? e.f64(b.p, b.n) : e.f32(b.p, b.n));
    });
  });
}

const f32 = (a) => Float32Array.from(a);
const randU = (n, seed, lo = -1, hi = 1) => {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * r()));
};

/** max |got − want| / max |want|: the error relative to the array's scale. */
function normErr(got, want) {
  assert.is(got.length, want.length, 'length');
  let num = 0;
  let den = 1e-30;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i] - want[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return num / den;
}

function close(got, want, tol, what) {
  const err = normErr(got, want);
  assert.ok(err <= tol, `${what}: relative error ${err.toExponential(2)} > ${tol}`);
}

// ---------------------------------------------------------------------------------------------------------
// Finite differences: grad of a scalar f64 function of several arrays, central, per coordinate on a sample
// (all coordinates of small arrays) and along one random direction through all arrays at once.

function fdCheck(loss, params, grads, what, { h = 1e-3, tol = 1e-4, sample = 24 } = {}) {
  const base = params.map((p) => Float64Array.from(p));
  const at = (k, i, d) => {
    const ps = [...base];
    const q = Float64Array.from(base[k]);
    q[i] += d;
    ps[k] = q;
    return loss(...ps);
  };
  const r = rng(99);
  for (let k = 0; k < params.length; k++) {
    const n = base[k].length;
    const idx = n <= sample ? [...Array(n).keys()] : Array.from({ length: sample }, () => Math.floor(r() * n));
    const scale = Math.max(1e-30, ...grads[k].map(Math.abs));
    for (const i of idx) {
      const fd = (at(k, i, h) - at(k, i, -h)) / (2 * h);
      const err = Math.abs(fd - grads[k][i]) / scale;
      assert.ok(err <= tol, `${what}: d/dparam${k}[${i}] fd ${fd} vs ${grads[k][i]} (rel ${err.toExponential(2)})`);
    }
  }
  const dirs = base.map((p, k) => randF64(p.length, 500 + k));
  const shifted = (s) => loss(...base.map((p, k) => p.map((v, i) => v + s * dirs[k][i])));
  const fd = (shifted(h) - shifted(-h)) / (2 * h);
  let dot = 0;
  let mag = 0;
  grads.forEach((g, k) => g.forEach((v, i) => ((dot += v * dirs[k][i]), (mag += Math.abs(v * dirs[k][i])))));
  assert.ok(Math.abs(fd - dot) <= tol * Math.max(mag, 1e-30), `${what}: directional fd ${fd} vs ${dot}`);
}

const weighted = (y, R) => y.reduce((s, v, i) => s + v * R[i], 0);

// ---------------------------------------------------------------------------------------------------------
// f64 references

function refDense(batch, nin, nout, X, W, b) {
  const Y = new Float64Array(batch * nout);
  for (let i = 0; i < batch; i++)
    for (let o = 0; o < nout; o++) {
      let s = b[o];
      for (let j = 0; j < nin; j++) s += X[i * nin + j] * W[o * nin + j];
      Y[i * nout + o] = s;
    }
  return Y;
}

const convOut = (n, k, s, p) => Math.floor((n + 2 * p - k) / s) + 1;
const convTOut = (n, k, s, p) => (n - 1) * s - 2 * p + k;

/** Direct convolution. transposed = false: W is cout × cin × k × k; true: W is cin × cout × k × k. */
function refConv(transposed, g, X, W, b) {
  const { batch, cin, h, w, cout, k, stride: s, pad: p } = g;
  const ho = transposed ? convTOut(h, k, s, p) : convOut(h, k, s, p);
  const wo = transposed ? convTOut(w, k, s, p) : convOut(w, k, s, p);
  const Y = new Float64Array(batch * cout * ho * wo);
  for (let n = 0; n < batch; n++)
    for (let co = 0; co < cout; co++) Y.fill(b[co], (n * cout + co) * ho * wo, (n * cout + co + 1) * ho * wo);
  // transposed: every input pixel scatters into the output; direct: every output pixel gathers from the input.
  const [lh, lw] = transposed ? [h, w] : [ho, wo];
  const [hh, hw] = transposed ? [ho, wo] : [h, w];
  for (let n = 0; n < batch; n++)
    for (let co = 0; co < cout; co++)
      for (let ci = 0; ci < cin; ci++)
        for (let ki = 0; ki < k; ki++)
          for (let kj = 0; kj < k; kj++) {
            const wv = transposed ? W[((ci * cout + co) * k + ki) * k + kj] : W[((co * cin + ci) * k + ki) * k + kj];
            for (let oy = 0; oy < lh; oy++) {
              const iy = oy * s + ki - p;
              if (iy < 0 || iy >= hh) continue;
              for (let ox = 0; ox < lw; ox++) {
                const ix = ox * s + kj - p;
                if (ix < 0 || ix >= hw) continue;
                if (transposed) Y[((n * cout + co) * hh + iy) * hw + ix] += wv * X[((n * cin + ci) * lh + oy) * lw + ox];
                else Y[((n * cout + co) * lh + oy) * lw + ox] += wv * X[((n * cin + ci) * hh + iy) * hw + ix];
              }
            }
          }
  return { Y, ho, wo };
}

const sigmoid = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const bceTerm = (z, x) => Math.max(z, 0) - z * x + Math.log1p(Math.exp(-Math.abs(z)));

function rowSums(batch, d, f) {
  return Float64Array.from({ length: batch }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += f(i, j);
    return s;
  });
}

// ---------------------------------------------------------------------------------------------------------
// dense

function denseCase(batch, nin, nout, seed) {
  const X = randU(batch * nin, seed);
  const W = randU(nout * nin, seed + 1);
  const b = randU(nout, seed + 2);
  const R = randU(batch * nout, seed + 3);
  const dW0 = randU(nout * nin, seed + 4);
  const db0 = randU(nout, seed + 5);
  const [Y] = kernel('dense_forward', batch, nin, nout, f32(X), f32(W), f32(b), out(batch * nout));
  close(Y, refDense(batch, nin, nout, X, W, b), 1e-6, `dense ${batch}×${nin}→${nout} forward`);
  const [dX, dW, db] = kernel('dense_backward', batch, nin, nout, f32(X), f32(W), f32(R), out(batch * nin),
    inout(f32(dW0)), inout(f32(db0)));
  const loss = (X, W, b) => weighted(refDense(batch, nin, nout, X, W, b), R);
  fdCheck(loss, [X, W, b], [dX, dW.map((v, i) => v - dW0[i]), db.map((v, i) => v - db0[i])],
    `dense ${batch}×${nin}→${nout}`);
  const [Ynb] = kernel('dense_forward', batch, nin, nout, f32(X), f32(W), 0, out(batch * nout));
  close(Ynb, refDense(batch, nin, nout, X, W, new Float64Array(nout)), 1e-6, 'dense without bias');
  const [dWskip] = kernel('dense_backward', batch, nin, nout, f32(X), f32(W), f32(R), 0, inout(f32(dW0)), 0);
  assert.equal(dWskip, dW, 'dX = 0 and db = 0 skip only those');
}

test('dense: forward vs f64 reference, backward vs finite differences (accumulating dW, db)', () => {
  let seed = 10;
  for (const batch of [1, 3]) for (const nin of [1, 5, 8]) for (const nout of [1, 7]) denseCase(batch, nin, nout, (seed += 10));
});

// ---------------------------------------------------------------------------------------------------------
// conv2d / conv_transpose2d

function convCase(transposed, g, seed) {
  const { batch, cin, h, w, cout, k } = g;
  const pre = transposed ? 'conv_transpose2d' : 'conv2d';
  const label = `${pre} b${batch} ${cin}→${cout} ${h}×${w} k${k} s${g.stride} p${g.pad}`;
  const geom = [batch, cin, h, w, cout, k, g.stride, g.pad];
  const X = randU(batch * cin * h * w, seed);
  const W = randU(cin * cout * k * k, seed + 1);
  const b = randU(cout, seed + 2);
  const { Y: Yref, ho, wo } = refConv(transposed, g, X, W, b);
  const work = e.call(`${pre}_workspace`, ...geom);
  const [Y] = kernel(`${pre}_forward`, ...geom, f32(X), f32(W), f32(b), out(Yref.length), ws(work));
  close(Y, Yref, 2e-6, `${label} forward`);
  const [Ynb] = kernel(`${pre}_forward`, ...geom, f32(X), f32(W), 0, out(Yref.length), ws(work));
  close(Ynb, refConv(transposed, g, X, W, new Float64Array(cout)).Y, 2e-6, `${label} forward without bias`);

  const R = randU(Yref.length, seed + 3);
  const dW0 = randU(W.length, seed + 4);
  const db0 = randU(cout, seed + 5);
  const [dX, dW, db] = kernel(`${pre}_backward`, ...geom, f32(X), f32(W), f32(R), out(X.length), inout(f32(dW0)),
    inout(f32(db0)), ws(work));
  const loss = (X, W, b) => weighted(refConv(transposed, g, X, W, b).Y, R);
  fdCheck(loss, [X, W, b], [dX, dW.map((v, i) => v - dW0[i]), db.map((v, i) => v - db0[i])], label);
  const [dW2] = kernel(`${pre}_backward`, ...geom, f32(X), f32(W), f32(R), 0, inout(f32(dW0)), 0, ws(work));
  assert.equal(dW2, dW, `${label}: dX = 0 and db = 0 skip only those`);
  return { ho, wo };
}

function* convGrid() {
  for (const batch of [1, 3])
    for (const cin of [1, 5])
      for (const size of [7, 8])
        for (const stride of [1, 2])
          for (const pad of [0, 1]) {
            const k = (size + stride + pad) % 2 ? 4 : 3; // every (stride, pad, k) pairing occurs
            yield { batch, cin, h: size, w: size + 1 - 2 * (size % 2), cout: 6 - cin, k, stride, pad };
          }
}

test('conv2d: forward vs direct f64 convolution, backward vs finite differences (32 geometries)', () => {
  let seed = 1000;
  for (const g of convGrid()) convCase(false, g, (seed += 10));
});

test('conv_transpose2d: forward vs direct f64 scatter, backward vs finite differences (32 geometries)', () => {
  let seed = 2000;
  for (const g of convGrid()) convCase(true, g, (seed += 10));
});

test('conv: multi-group batches (6 images of 8×8 = groups of 4 + 2), larger maps, output size rules', () => {
  convCase(false, { batch: 6, cin: 2, h: 8, w: 8, cout: 3, k: 3, stride: 1, pad: 1 }, 3000);
  convCase(true, { batch: 6, cin: 3, h: 8, w: 8, cout: 2, k: 3, stride: 1, pad: 1 }, 3100);
  assert.equal(convCase(false, { batch: 2, cin: 2, h: 16, w: 12, cout: 3, k: 4, stride: 2, pad: 1 }, 3200), { ho: 8, wo: 6 });
  assert.equal(convCase(true, { batch: 2, cin: 3, h: 4, w: 5, cout: 2, k: 4, stride: 2, pad: 1 }, 3300), { ho: 8, wo: 10 });
  assert.equal(convCase(false, { batch: 2, cin: 2, h: 21, w: 19, cout: 2, k: 3, stride: 2, pad: 0 }, 3400), { ho: 10, wo: 9 });
  assert.equal(convCase(true, { batch: 1, cin: 2, h: 9, w: 11, cout: 2, k: 3, stride: 2, pad: 0 }, 3500), { ho: 19, wo: 23 });
});

// ---------------------------------------------------------------------------------------------------------
// activations

const ACTS = [
  { name: 'relu', f: (x) => Math.max(x, 0), args: [] },
  { name: 'leaky_relu', f: (x) => (x > 0 ? x : 0.2 * x), args: [0.2] },
  { name: 'sigmoid', f: sigmoid, args: [] },
];

test('activations: forward (also in place) vs reference, backward vs finite differences, odd lengths', () => {
  for (const { name, f, args } of ACTS)
    for (const n of [1, 3, 8, 13, 1001]) {
      // keep away from the ReLU kink so that the finite difference is a derivative
      const x = randU(n, n + 7, -6, 6).map((v) => (Math.abs(v) < 1e-2 ? v + 0.05 : v));
      const [y] = kernel(`${name}_forward`, n, ...args, f32(x), out(n));
      close(y, x.map(f), 2e-7, `${name} forward n=${n}`);
      const [inPlace] = e.scoped((take) => {
        const p = take(n * 4);
        e.f32(p, n).set(f32(x));
        e.call(`${name}_forward`, n, ...args, p, p);
        return [Float64Array.from(e.f32(p, n))];
      });
      assert.equal(inPlace, y, `${name} in place`);
      const R = randU(n, n + 8);
      const [dx] = kernel(`${name}_backward`, n, ...args, f32(y), f32(R), out(n));
      fdCheck((x) => weighted(x.map(f), R), [x], [dx], `${name} backward n=${n}`, { h: 1e-5, tol: 1e-5 });
    }
});

test('sigmoid is stable in the tails and exact-ish near 0', () => {
  const x = [-200, -100, -88, -30, -1e-8, 0, 1e-8, 30, 88, 100, 200, -0];
  const [y] = kernel('sigmoid_forward', x.length, f32(x), out(x.length));
  x.forEach((v, i) => {
    const want = Math.fround(sigmoid(v));
    assert.ok(Math.abs(y[i] - want) <= 2e-7 * want + 1e-44, `sigmoid(${v}) = ${y[i]} vs ${want}`);
  });
  assert.ok(y.every(Number.isFinite));
});

// ---------------------------------------------------------------------------------------------------------
// losses and reparameterisation

test('BCE-with-logits: per-image sums vs f64 reference (|z| up to 90), gradient vs finite differences', () => {
  for (const [batch, d] of [[1, 1], [3, 7], [2, 784]]) {
    const Z = randU(batch * d, d, -8, 8);
    Z.set([90, -90, 1e-9].slice(0, Z.length));
    const X = randU(batch * d, d + 1, 0, 1);
    const [loss] = kernel('bce_logits_forward', batch, d, f32(Z), f32(X), out64(batch));
    close(loss, rowSums(batch, d, (i, j) => bceTerm(Z[i * d + j], X[i * d + j])), 2e-7, `bce ${batch}×${d}`);
    const scale = 1 / batch;
    const [dZ] = kernel('bce_logits_backward', batch * d, f32(Z), f32(X), scale, out(batch * d));
    const L = (Z) => scale * rowSums(batch, d, (i, j) => bceTerm(Z[i * d + j], X[i * d + j])).reduce((a, b) => a + b);
    fdCheck(L, [Z], [dZ], `bce ${batch}×${d}`, { h: 1e-4, tol: 1e-5 });
  }
});

test('Gaussian NLL (fixed variance): per-image values and gradient vs finite differences', () => {
  for (const [batch, d, variance] of [[1, 3, 1], [3, 9, 0.25]]) {
    const Z = randU(batch * d, d);
    const X = randU(batch * d, d + 1, 0, 1);
    const ref = (Z) => rowSums(batch, d, (i, j) => (Z[i * d + j] - X[i * d + j]) ** 2 / (2 * variance))
      .map((s) => s + 0.5 * d * Math.log(2 * Math.PI * variance));
    const [loss] = kernel('gaussian_nll_forward', batch, d, f32(Z), f32(X), variance, out64(batch));
    close(loss, ref(Z), 1e-7, 'gaussian nll');
    const [dZ] = kernel('gaussian_nll_backward', batch * d, f32(Z), f32(X), variance, 0.5, out(batch * d));
    fdCheck((Z) => 0.5 * ref(Z).reduce((a, b) => a + b), [Z], [dZ], 'gaussian nll', { h: 1e-4, tol: 1e-5 });
  }
});

/** KL + Σ R·z over one head layout: mu/logvar rows of stride ld inside H (fused: ld = 2k, logvar at +k). */
function klReparamCase(batch, k, fused, seed) {
  const ld = fused ? 2 * k : k;
  const mu = randU(batch * k, seed, -2, 2);
  const lv = randU(batch * k, seed + 1, -3, 2);
  const eps = randU(batch * k, seed + 2, -2.5, 2.5);
  const R = randU(batch * k, seed + 3);
  const scale = 1 / batch;
  const klRef = (mu, lv) => rowSums(batch, k, (i, j) => -0.5 * (1 + lv[i * k + j] - mu[i * k + j] ** 2 - Math.exp(lv[i * k + j])));
  const zRef = (mu, lv) => mu.map((m, i) => m + Math.exp(0.5 * lv[i]) * eps[i]);
  // pack into the head layout
  const H = new Float32Array(batch * 2 * k);
  for (let i = 0; i < batch; i++)
    for (let j = 0; j < k; j++) {
      H[i * ld + j] = mu[i * k + j];
      H[(fused ? 0 : batch * k) + i * ld + (fused ? k : 0) + j] = lv[i * k + j];
    }
  const lvOff = (fused ? k : batch * k) * 4;
  const unpack = (G, off) => Float64Array.from({ length: batch * k }, (_, q) => G[off / 4 + Math.floor(q / k) * ld + (q % k)]);
  const [kl, z, G] = e.scoped((take) => {
    const h = take(H.length * 4);
    const g = take(H.length * 4);
    e.f32(h, H.length).set(H);
    e.f32(g, H.length).fill(NaN);
    const pk = take(batch * 8);
    const pe = take(batch * k * 4);
    const pz = take(batch * k * 4);
    const pr = take(batch * k * 4);
    e.f32(pe, batch * k).set(f32(eps));
    e.f32(pr, batch * k).set(f32(R));
    e.call('kl_normal_forward', batch, k, h, h + lvOff, ld, pk);
    e.call('reparam_forward', batch, k, h, h + lvOff, ld, pe, pz);
    e.call('kl_normal_backward', batch, k, h, h + lvOff, ld, scale, g, g + lvOff);
    e.call('reparam_backward', batch, k, h + lvOff, ld, pe, pr, g, g + lvOff);
    return [Float64Array.from(e.f64(pk, batch)), Float64Array.from(e.f32(pz, batch * k)), Float64Array.from(e.f32(g, H.length))];
  });
  const what = `kl+reparam b${batch} k${k}${fused ? ' fused head' : ''}`;
  close(kl, klRef(mu, lv), 1e-6, `${what} kl`);
  close(z, zRef(mu, lv), 1e-6, `${what} z`);
  const L = (mu, lv) => scale * klRef(mu, lv).reduce((a, b) => a + b) + weighted(zRef(mu, lv), R);
  fdCheck(L, [mu, lv], [unpack(G, 0), unpack(G, lvOff)], what, { h: 1e-5, tol: 1e-5 });
}

test('KL(N(μ,σ²)‖N(0,I)) and reparameterisation: values and gradients, separate and fused heads', () => {
  let seed = 4000;
  for (const [batch, k] of [[1, 1], [3, 5], [2, 8], [3, 13]]) for (const fused of [false, true]) klReparamCase(batch, k, fused, (seed += 10));
});

// ---------------------------------------------------------------------------------------------------------
// Adam, zeroing, init

function refAdam(P, G, M, V, { lr, beta1, beta2, eps }, t) {
  const f = Math.fround;
  const step = f(-lr / (1 - beta1 ** t));
  const bc2 = f(Math.sqrt(1 - beta2 ** t));
  const cut = (x, floor) => (Math.abs(x) >= floor ? x : 0); // the kernel keeps its operands out of subnormals
  for (let i = 0; i < P.length; i++) {
    const g = cut(G[i], 2 ** -56);
    M[i] = f(f(cut(M[i], 2 ** -100) * f(beta1)) + f(g * f(1 - beta1)));
    V[i] = f(f(cut(V[i], 2 ** -100) * f(beta2)) + f(f(g * g) * f(1 - beta2)));
    P[i] = f(P[i] + f(f(step * M[i]) / f(f(f(Math.sqrt(V[i])) / bc2) + f(eps))));
  }
}

test('adam_step: bit-exact to the f32 operation sequence and to torch.optim.Adam (1.13); nn_zero', () => {
  const hp = { lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  for (const n of [1, 6, 9]) {
    const P = randU(n, n);
    const M = new Float64Array(n);
    const V = new Float64Array(n);
    let got;
    for (let t = 1; t <= 3; t++) {
      const G = randU(n, n + t);
      got = e.scoped((take) => {
        const ptr = [P, G, M, V].map((a) => {
          const p = take(n * 4);
          e.f32(p, n).set(f32(a));
          return p;
        });
        e.call('adam_step', n, ...ptr, hp.lr, hp.beta1, hp.beta2, hp.eps, t);
        return [ptr[0], ptr[2], ptr[3]].map((p) => Float64Array.from(e.f32(p, n)));
      });
      refAdam(P, G, M, V, hp, t);
      assert.equal(got, [P, M, V].map((a) => Float64Array.from(a)), `adam n=${n} step ${t}`);
    }
  }
  const a = fx.adam;
  const [P, M, V] = [Float32Array.from(a.P0), new Float32Array(a.n), new Float32Array(a.n)];
  a.G.forEach((G, s) => {
    const r = kernel('adam_step', a.n, inout(P), f32(G), inout(M), inout(V), a.lr, a.beta1, a.beta2, a.eps, s + 1);
    [P, M, V].forEach((buf, j) => buf.set(r[j]));
    assert.equal(Array.from(P), a.P[s].map(Math.fround), `adam vs torch step ${s + 1}`);
  });
  // Dead units: a zero or tiny gradient with moments decayed to near-subnormal values (flushed, never subnormal).
  {
    const tiny = [0, 1e-18, -1e-20, 1e-39, 3e-31, 1e-3];
    const [P, G, M, V] = [randU(6, 9), tiny, tiny.map((v) => v * 0.5), tiny.map((v) => v * v)].map(f32);
    const [p, m, v] = kernel('adam_step', 6, inout(P), G, inout(M), inout(V), 1e-3, 0.9, 0.999, 1e-8, 50);
    const [rp, rm, rv] = [P, M, V].map((a) => Float64Array.from(a));
    refAdam(rp, Float64Array.from(G), rm, rv, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, 50);
    assert.equal([p, m, v].map((a) => Array.from(a)), [rp, rm, rv].map((a) => Array.from(a)), 'flushed Adam matches the reference');
    const subnormal = (x) => x !== 0 && Math.abs(x) < 2 ** -126;
    assert.ok(![...m, ...v].some(subnormal), 'no subnormal moment');
    assert.is(m[0], 0);
    assert.is(m[3], 0);
  }
  const [z] = kernel('nn_zero', 7, inout(f32(randU(7, 1))));
  assert.equal(Array.from(z), new Array(7).fill(0));
});

test('init_fan_in_uniform reproduces PyTorch default Linear/Conv2d/ConvTranspose2d init from its draws', () => {
  for (const c of fx.init) {
    const [w] = kernel('init_fan_in_uniform', c.U.length, c.fan_in, f32(c.U), out(c.U.length));
    assert.equal(Array.from(w), [...c.W, ...c.b].map(Math.fround), c.name);
  }
});

// ---------------------------------------------------------------------------------------------------------
// PyTorch fixture: one small batch through each W5/W6 layer type, and the VAE losses

const TORCH_TOL = 1e-5;

test('torch: Linear forward/backward', () => {
  const c = fx.linear;
  const [Y] = kernel('dense_forward', c.batch, c.nin, c.nout, f32(c.X), f32(c.W), f32(c.b), out(c.Y.length));
  close(Y, c.Y, TORCH_TOL, 'Linear Y');
  const [dX, dW, db] = kernel('dense_backward', c.batch, c.nin, c.nout, f32(c.X), f32(c.W), f32(c.R), out(c.X.length),
    inout(new Float32Array(c.W.length)), inout(new Float32Array(c.b.length)));
  close(dX, c.dX, TORCH_TOL, 'Linear dX');
  close(dW, c.dW, TORCH_TOL, 'Linear dW');
  close(db, c.db, TORCH_TOL, 'Linear db');
});

for (const pre of ['conv2d', 'conv_transpose2d'])
  test(`torch: ${pre === 'conv2d' ? 'Conv2d' : 'ConvTranspose2d'} k4 s2 p1 forward/backward`, () => {
    const c = fx[pre];
    const geom = [c.batch, c.cin, c.h, c.w, c.cout, c.k, c.stride, c.pad];
    const work = ws(e.call(`${pre}_workspace`, ...geom));
    const [Y] = kernel(`${pre}_forward`, ...geom, f32(c.X), f32(c.W), f32(c.b), out(c.Y.length), work);
    close(Y, c.Y, TORCH_TOL, `${pre} Y`);
    const [dX, dW, db] = kernel(`${pre}_backward`, ...geom, f32(c.X), f32(c.W), f32(c.R), out(c.X.length),
      inout(new Float32Array(c.W.length)), inout(new Float32Array(c.b.length)), work);
    close(dX, c.dX, TORCH_TOL, `${pre} dX`);
    close(dW, c.dW, TORCH_TOL, `${pre} dW`);
    close(db, c.db, TORCH_TOL, `${pre} db`);
  });

test('torch: BCE-with-logits sums and gradient, KL values, reparameterised z and μ/logσ² gradients', () => {
  const c = fx.bce;
  const [loss] = kernel('bce_logits_forward', c.batch, c.d, f32(c.Z), f32(c.X), out64(c.batch));
  close(loss, c.loss, TORCH_TOL, 'bce loss');
  const [dZ] = kernel('bce_logits_backward', c.batch * c.d, f32(c.Z), f32(c.X), c.scale, out(c.Z.length));
  close(dZ, c.dZ, TORCH_TOL, 'bce dZ');
  const v = fx.vae;
  const n = v.batch * v.k;
  const [kl] = kernel('kl_normal_forward', v.batch, v.k, f32(v.mu), f32(v.logvar), v.k, out64(v.batch));
  close(kl, v.kl, TORCH_TOL, 'kl');
  const [z] = kernel('reparam_forward', v.batch, v.k, f32(v.mu), f32(v.logvar), v.k, f32(v.eps), out(n));
  close(z, v.z, TORCH_TOL, 'z');
  const [dmu0, dlv0] = kernel('kl_normal_backward', v.batch, v.k, f32(v.mu), f32(v.logvar), v.k, v.scale, out(n), out(n));
  const [dmu, dlv] = kernel('reparam_backward', v.batch, v.k, f32(v.logvar), v.k, f32(v.eps), f32(v.R), inout(f32(dmu0)), inout(f32(dlv0)));
  close(dmu, v.dmu, TORCH_TOL, 'dmu');
  close(dlv, v.dlogvar, TORCH_TOL, 'dlogvar');
});

// ---------------------------------------------------------------------------------------------------------
// Throughput (NN_BENCH=1 only; single thread): a W5 training step (784-512-256-z32 MLP VAE, batch 128: forward,
// BCE + KL, backward, Adam), the W6 encoder's Conv2d 32→64 k4 s2 p1 at 32×32 (batch 64), and a W6 step.

/** Zero-filled (or uniform in [-a, a)) f32 engine buffers; freed by the caller's scope. */
function arena() {
  const ptrs = [];
  const make = (n, a = 0) => {
    const p = e.alloc(n * 4);
    ptrs.push(p);
    e.f32(p, n).set(a ? randU(n, ptrs.length, -a, a) : new Float32Array(n));
    return p;
  };
  make.free = () => ptrs.forEach((p) => e.free(p));
  return make;
}

function timeIt(fn, reps) {
  for (let i = 0; i < 3; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}

/** Flat parameter buffer with Adam state; `at(n)` reserves n parameters and returns their offset. */
function params(buf) {
  let n = 0;
  return {
    at: (m) => ((n += m), n - m),
    alloc() {
      const [P, G, M, V] = [buf(n, 0.05), buf(n), buf(n), buf(n)];
      let t = 0;
      return { p: (o) => P + o * 4, g: (o) => G + o * 4, zero: () => e.call('nn_zero', n, G),
        adam: () => e.call('adam_step', n, P, G, M, V, 1e-3, 0.9, 0.999, 1e-8, ++t) };
    },
  };
}

/** Encoder head (fused μ | log σ² rows of 2k), reparameterised z, KL + its gradient into dH (B = batch). */
function latent(B, k, H, dH, buf) {
  const eps = buf(B * k), z = buf(B * k), kl = buf(2 * B);
  let t = 0;
  return {
    z,
    forward() {
      e.call('rng_normal', 1, 2, 3, t++ * B * k, B * k, eps);
      e.call('reparam_forward', B, k, H, H + 4 * k, 2 * k, eps, z);
      e.call('kl_normal_forward', B, k, H, H + 4 * k, 2 * k, kl);
    },
    backward(dz) {
      e.call('kl_normal_backward', B, k, H, H + 4 * k, 2 * k, 1 / B, dH, dH + 4 * k);
      e.call('reparam_backward', B, k, H + 4 * k, 2 * k, eps, dz, dH, dH + 4 * k);
    },
  };
}

function w5Step(B, buf) {
  const dims = [784, 512, 256, 64, 32, 256, 512, 784]; // layer i maps dims[i] → dims[i+1]; 64 = μ | log σ²
  const pr = params(buf);
  const layers = [0, 1, 2, 4, 5, 6].map((i) => ({ nin: dims[i], nout: dims[i + 1], w: pr.at(dims[i] * dims[i + 1]), b: pr.at(dims[i + 1]) }));
  const P = pr.alloc();
  const X = buf(B * 784, 1);
  const acts = dims.map((d) => buf(B * d));
  const grads = dims.map((d) => buf(B * d));
  const lat = latent(B, 32, acts[3], grads[3], buf);
  const io = [[X, acts[1]], [acts[1], acts[2]], [acts[2], acts[3]], [lat.z, acts[5]], [acts[5], acts[6]], [acts[6], acts[7]]];
  const gio = [[0, grads[1]], [grads[1], grads[2]], [grads[2], grads[3]], [grads[4], grads[5]], [grads[5], grads[6]], [grads[6], grads[7]]];
  const relu = (i) => i !== 2 && i !== 5;
  const loss = buf(2 * B);
  return () => {
    layers.forEach((l, i) => {
      e.call('dense_forward', B, l.nin, l.nout, io[i][0], P.p(l.w), P.p(l.b), io[i][1]);
      if (relu(i)) e.call('relu_forward', B * l.nout, io[i][1], io[i][1]);
      if (i === 2) lat.forward();
    });
    e.call('bce_logits_forward', B, 784, acts[7], X, loss);
    P.zero();
    e.call('bce_logits_backward', B * 784, acts[7], X, 1 / B, grads[7]);
    for (let i = 5; i >= 0; i--) {
      const l = layers[i];
      if (relu(i)) e.call('relu_backward', B * l.nout, io[i][1], gio[i][1], gio[i][1]);
      if (i === 2) lat.backward(grads[4]);
      e.call('dense_backward', B, l.nin, l.nout, io[i][0], P.p(l.w), gio[i][1], gio[i][0], P.g(l.w), P.g(l.b));
    }
    P.adam();
  };
}

function w6Step(B, buf) {
  const pr = params(buf);
  const conv = (pre, cin, cout, h) => {
    const geom = [B, cin, h, h, cout, 4, 2, 1];
    const out = pre === 'conv2d' ? h / 2 : h * 2;
    return { pre, geom, nout: B * cout * out * out, w: pr.at(cin * cout * 16), b: pr.at(cout), ws: e.call(`${pre}_workspace`, ...geom) };
  };
  const enc = [[1, 32, 64], [32, 64, 32], [64, 128, 16], [128, 256, 8]].map(([i, o, h]) => conv('conv2d', i, o, h));
  const dec = [[256, 128, 4], [128, 64, 8], [64, 32, 16], [32, 1, 32]].map(([i, o, h]) => conv('conv_transpose2d', i, o, h));
  const head = { nin: 4096, nout: 256, w: pr.at(4096 * 256), b: pr.at(256) };
  const lin = { nin: 128, nout: 4096, w: pr.at(128 * 4096), b: pr.at(4096) };
  const P = pr.alloc();
  const work = buf(Math.max(...[...enc, ...dec].map((c) => c.ws)) / 4);
  const X = buf(B * 4096, 1);
  // the chain of activations: X, enc outputs, head, decoder linear, dec outputs
  const seq = [...enc, head, lin, ...dec];
  const sizes = [B * 4096, ...enc.map((c) => c.nout), B * 256, B * 4096, ...dec.map((c) => c.nout)];
  const A = sizes.map((n, i) => (i ? buf(n) : X));
  const D = sizes.map((n, i) => (i ? buf(n) : 0));
  const lat = latent(B, 128, A[5], D[5], buf);
  const dz = buf(B * 128);
  const loss = buf(2 * B);
  const input = (i) => (i === 5 ? lat.z : A[i]);
  const relu = (i) => i !== 4 && i !== 9; // no ReLU after the head and the last ConvTranspose2d
  const n = (i) => sizes[i + 1];
  return () => {
    seq.forEach((l, i) => {
      if (l.pre) e.call(`${l.pre}_forward`, ...l.geom, input(i), P.p(l.w), P.p(l.b), A[i + 1], work);
      else e.call('dense_forward', B, l.nin, l.nout, input(i), P.p(l.w), P.p(l.b), A[i + 1]);
      if (relu(i)) e.call('relu_forward', n(i), A[i + 1], A[i + 1]);
      if (i === 4) lat.forward();
    });
    e.call('bce_logits_forward', B, 4096, A[10], X, loss);
    P.zero();
    e.call('bce_logits_backward', B * 4096, A[10], X, 1 / B, D[10]);
    for (let i = 9; i >= 0; i--) {
      const l = seq[i];
      if (relu(i)) e.call('relu_backward', n(i), A[i + 1], D[i + 1], D[i + 1]);
      const dIn = i === 5 ? dz : D[i];
      if (l.pre) e.call(`${l.pre}_backward`, ...l.geom, input(i), P.p(l.w), D[i + 1], dIn, P.g(l.w), P.g(l.b), work);
      else e.call('dense_backward', B, l.nin, l.nout, input(i), P.p(l.w), D[i + 1], dIn, P.g(l.w), P.g(l.b));
      if (i === 5) lat.backward(dz);
    }
    P.adam();
  };
}

if (process.env.NN_BENCH)
  test('throughput (NN_BENCH=1)', () => {
    const buf = arena();
    try {
      const w5 = w5Step(128, buf);
      const t5 = Math.min(...[0, 1, 2].map(() => timeIt(w5, 30)));
      console.log(`\n  W5 MLP VAE step, batch 128: ${t5.toFixed(1)} ms = ${Math.round((128 / t5) * 1000)} img/s`);
      const c = { B: 64, cin: 32, cout: 64, h: 32 };
      const geom = [c.B, c.cin, c.h, c.h, c.cout, 4, 2, 1];
      const [X, W, b, Y, dX, dW, db] = [c.B * c.cin * c.h * c.h, c.cout * c.cin * 16, c.cout, c.B * c.cout * 256,
        c.B * c.cin * c.h * c.h, c.cout * c.cin * 16, c.cout].map((n) => buf(n, 1));
      const work = buf(e.call('conv2d_workspace', ...geom) / 4);
      const gflop = (2 * c.B * c.cout * 256 * c.cin * 16) / 1e9;
      const tf = Math.min(...[0, 1, 2].map(() => timeIt(() => e.call('conv2d_forward', ...geom, X, W, b, Y, work), 5)));
      const tb = Math.min(...[0, 1, 2].map(() => timeIt(() => e.call('conv2d_backward', ...geom, X, W, Y, dX, dW, db, work), 5)));
      console.log(`  Conv2d 32→64 k4 s2 p1 at 32×32, batch 64: forward ${(gflop / tf * 1e3).toFixed(1)} GFLOP/s, ` +
        `backward ${(2 * gflop / tb * 1e3).toFixed(1)} GFLOP/s`);
      const w6 = w6Step(64, buf);
      const t6 = Math.min(...[0, 1].map(() => timeIt(w6, 3)));
      console.log(`  W6 conv VAE step, batch 64: ${t6.toFixed(0)} ms = ${((64 / t6) * 1000).toFixed(1)} img/s`);
    } finally {
      buf.free();
    }
  });

test.run();
