// Philox4x32-10 (rng.ts): published known answers, the documented index → counter mapping, split invariance,
// distribution moments and categorical draws.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getEngine } from './helpers/engine.mjs';

const e = await getEngine();
const SEED = [0x9e3779b9, 0x12345]; // seedLo, seedHi
const KERNELS = [
  ['rng_uniform', 4],
  ['rng_uniform64', 8],
  ['rng_normal', 4],
];

function philox(c0, c1, c2, c3, k0, k1) {
  const p = e.alloc(16);
  e.call('rng_philox', c0, c1, c2, c3, k0, k1, p);
  const w = Array.from(e.u32(p, 4));
  e.free(p);
  return w;
}

/** Elements offset .. offset+n−1 of a draw kernel, as a copy; checks nothing is written past the end. */
function draw(name, bytes, offset, n, [lo, hi] = SEED, stream = 7) {
  const p = e.alloc(n * bytes + 16);
  const sentinel = new Uint8Array(e.memory.buffer, p + n * bytes, 16);
  sentinel.fill(0xab);
  e.call(name, lo, hi, stream, offset, n, p);
  const words = new Uint8Array(e.memory.buffer, p, n * bytes + 16).slice();
  e.free(p);
  assert.ok(words.subarray(n * bytes).every((b) => b === 0xab), `${name} wrote past element ${n}`);
  const buf = words.buffer.slice(0, n * bytes);
  return bytes === 8 ? new Float64Array(buf) : new Float32Array(buf);
}

const hex = (w) => w.map((v) => '0x' + v.toString(16).padStart(8, '0'));

test('Philox4x32-10 known-answer vectors (Random123 kat_vectors)', () => {
  // Random123's tests/kat_vectors, as reproduced in TensorFlow's stateful_random_ops_test.py (testPhilox4x32).
  const kats = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  for (const [ctr, key, want] of kats) assert.equal(hex(philox(...ctr, ...key)), hex(want));
});

test('index → counter mapping: block b = (lo32(b), stream, hi32(b), 0), key = seed', () => {
  const toU24 = (w) => (w >>> 8) * 2 ** -24;
  const toU53 = (a, b) => Number(((BigInt(a) << 32n) | BigInt(b)) >> 11n) * 2 ** -53;
  for (const b of [0, 1, 12345, 2 ** 32 + 5, 2 ** 45 + 3]) {
    const w = philox(b % 2 ** 32, 7, Math.floor(b / 2 ** 32), 0, ...SEED);
    assert.equal(Array.from(draw('rng_uniform', 4, 4 * b, 4)), w.map(toU24), `uniform block ${b}`);
    assert.equal(Array.from(draw('rng_uniform64', 8, 2 * b, 2)), [toU53(w[0], w[1]), toU53(w[2], w[3])], `uniform64 block ${b}`);
    const u1 = toU53(w[0], w[1]);
    const theta = 2 * Math.PI * toU53(w[2], w[3]);
    const r = Math.sqrt(-2 * Math.log(1 - u1));
    const z = draw('rng_normal', 4, 2 * b, 2);
    for (const [got, want] of [[z[0], r * Math.cos(theta)], [z[1], r * Math.sin(theta)]])
      assert.ok(Math.abs(got - want) <= 2 ** -23 * Math.max(Math.abs(want), 2 ** -10), `normal pair ${b}: ${got} vs ${want}`);
  }
  // Seed with key (0, 0), stream 0: element 0..3 are the first known answer's words.
  assert.equal(Array.from(draw('rng_uniform', 4, 0, 4, [0, 0], 0)), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8].map(toU24));
});

test('split invariance: [0, n) at once equals [0, a) + [a, n), for any a and base offset', () => {
  const n = 1001;
  for (const [name, bytes] of KERNELS)
    for (const base of [0, 13, 2 ** 40 + 1]) {
      const whole = draw(name, bytes, base, n);
      for (const a of [0, 1, 2, 3, 5, 7, 501, 998, 1000, 1001]) {
        const parts = new whole.constructor(n);
        parts.set(draw(name, bytes, base, a));
        parts.set(draw(name, bytes, base + a, n - a), a);
        assert.equal(parts, whole, `${name} base ${base} split at ${a}`);
      }
      // Many ragged pieces.
      const pieces = new whole.constructor(n);
      for (let at = 0, len = 1; at < n; at += len, len = (len % 5) + 1) pieces.set(draw(name, bytes, base + at, Math.min(len, n - at)), at);
      assert.equal(pieces, whole, `${name} ragged pieces`);
    }
});

test('sizes 0 and 1; seed halves and streams change the draws', () => {
  for (const [name, bytes] of KERNELS) {
    assert.is(draw(name, bytes, 5, 0).length, 0);
    assert.equal(draw(name, bytes, 5, 1)[0], draw(name, bytes, 0, 6)[5]);
    const base = draw(name, bytes, 0, 8);
    for (const [seed, stream] of [[[SEED[0] + 1, SEED[1]], 7], [[SEED[0], SEED[1] + 1], 7], [SEED, 8]]) {
      const other = draw(name, bytes, 0, 8, seed, stream);
      assert.ok(other.every((v, i) => v !== base[i]), `${name} seed ${seed} stream ${stream}`);
    }
  }
});

function moments(x) {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let [m2, m3, m4] = [0, 0, 0];
  for (const v of x) {
    const d = v - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  [m2, m3, m4] = [m2 / x.length, m3 / x.length, m4 / x.length];
  return { mean: m, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

test('uniform f32 and f64: in [0, 1), mean, variance, decile counts within 5σ', () => {
  const n = 1_000_000;
  for (const [name, bytes, step] of [['rng_uniform', 4, 2 ** -24], ['rng_uniform64', 8, 2 ** -53]]) {
    const x = draw(name, bytes, 3, n);
    let lo = 1;
    let hi = 0;
    const deciles = new Array(10).fill(0);
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      assert.ok(v >= 0 && v < 1 && Number.isInteger(v / step));
      deciles[Math.floor(v * 10)]++;
    }
    assert.ok(lo < 1e-5 && hi > 1 - 1e-5);
    const { mean, variance } = moments(x);
    assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `${name} mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 5 * Math.sqrt(1 / 180 / n), `${name} variance ${variance}`);
    for (const c of deciles) assert.ok(Math.abs(c - n / 10) < 5 * Math.sqrt(n * 0.09), `${name} deciles ${deciles}`);
  }
});

test('normal: mean, variance, skewness, kurtosis and tail mass within 5σ', () => {
  const n = 1_000_000;
  const z = draw('rng_normal', 4, 1, n);
  const { mean, variance, skew, kurtosis } = moments(z);
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
  assert.ok(Math.abs(skew) < 5 * Math.sqrt(6 / n), `skew ${skew}`);
  assert.ok(Math.abs(kurtosis - 3) < 5 * Math.sqrt(24 / n), `kurtosis ${kurtosis}`);
  const p = 0.05; // P(|z| > 1.959964)
  const tail = z.reduce((c, v) => c + (Math.abs(v) > 1.959964 ? 1 : 0), 0);
  assert.ok(Math.abs(tail - p * n) < 5 * Math.sqrt(n * p * (1 - p)), `tail ${tail}`);
  assert.ok(z.every((v) => Number.isFinite(v) && Math.abs(v) <= 8.58));
});

function categorical(cumw, u) {
  const pc = e.putF64(cumw);
  const pu = e.putF64(u);
  const po = e.alloc(4 * u.length + 4);
  e.i32(po, u.length + 1).fill(-7);
  const code = e.call('rng_categorical', cumw.length, pc, u.length, pu, po);
  const out = e.i32(po, u.length + 1).slice();
  [pc, pu, po].forEach((p) => e.free(p));
  assert.is(out[u.length], -7, 'nothing written past n');
  return { code, out: Array.from(out.subarray(0, u.length)) };
}

test('categorical: frequencies within 5σ, zero-weight categories never drawn', () => {
  const w = [0.1, 0, 0.3, 0.6, 0];
  const cumw = w.map(((s) => (v) => (s += v))(0));
  const n = 200_000;
  const { code, out } = categorical(cumw, draw('rng_uniform64', 8, 0, n));
  assert.is(code, 0);
  const counts = new Array(w.length).fill(0);
  for (const c of out) counts[c]++;
  w.forEach((p, c) => assert.ok(Math.abs(counts[c] - n * p) <= 5 * Math.sqrt(n * p * (1 - p)), `counts ${counts}`));
});

test('categorical: boundaries, ties to the first index, round-up of u·total, k = 1, bad weights', () => {
  // cumw [0, 0, 1, 3, 3]: categories 0, 1 and 4 have zero weight.
  const cumw = [0, 0, 1, 3, 3];
  const u = [0, 1 / 3 - 2 ** -54, 1 / 3, 0.5, 1 - 2 ** -53, NaN];
  assert.equal(categorical(cumw, u), { code: 0, out: [2, 2, 3, 3, 3, 3] });
  assert.equal(categorical([2.5], [0, 0.99]), { code: 0, out: [0, 0] });
  assert.equal(categorical([1, 2], []), { code: 0, out: [] });
  for (const bad of [[], [0, 0], [1, NaN], [1, Infinity], [-1, -1]]) assert.is(categorical(bad, [0.5]).code, 1, `${bad}`);
});

test.run();
