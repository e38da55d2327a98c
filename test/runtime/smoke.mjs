// The SDK smoke test every runtime runs (Node, Deno, headless Chromium). `gf` is the SDK's module namespace
// (`import * as gf from '../../dist/index.js'`), so this file imports nothing and runs anywhere as a plain ES
// module. It returns a JSON-serialisable object with no runtime-specific field: the runners compare the
// objects from all runtimes with a deep equality, i.e. bit for bit (every float is reduced to a hash of its
// exact bytes).
//
// Only correctly rounded operations (+ − × ÷, sqrt, Math.fround) make the JS-side data, never Math.sin/exp/…,
// whose last bit the ECMAScript spec leaves to the engine.

/** FNV-1a (32-bit) over the bytes of any typed array (or ArrayBuffer view), as 8 hex digits. */
export function hashBytes(view) {
  const u8 = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < u8.length; i++) h = Math.imul(h ^ u8[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** FNV-1a (32-bit) over the bytes of a Float32Array (little-endian everywhere: wasm and all our targets). */
export function hashF32(arr) {
  if (!(arr instanceof Float32Array)) throw new TypeError(`hashF32: expected a Float32Array, got ${Object.prototype.toString.call(arr)}`);
  return hashBytes(arr);
}

/** FNV-1a of a string (UTF-16 code units folded to bytes), to combine the part hashes into one. */
function hashString(s) {
  const u16 = Uint16Array.from(s, (c) => c.charCodeAt(0));
  return hashBytes(u16);
}

/** Deterministic f32 data in [-0.5, 0.5) from a 32-bit LCG: integer arithmetic and one exact division. */
export function data(n, seed) {
  const out = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 32 - 0.5;
  }
  return out;
}

/** f32 arithmetic in JS, rounded to f32 after every operation (Math.fround), as the engine would. */
function jsF32(n) {
  const a = data(n, 7);
  const out = new Float32Array(n);
  let acc = Math.fround(0);
  for (let i = 0; i < n; i++) {
    const v = Math.fround(Math.fround(a[i] * 3.25) + Math.fround(1 / (i + 1)));
    acc = Math.fround(acc + Math.fround(v * v));
    out[i] = Math.fround(v / Math.fround(Math.sqrt(Math.fround(acc + 1))));
  }
  return out;
}

/** A single engine instance in this thread: buffers in, the same bytes out. */
async function engineRoundTrip(gf) {
  const e = await gf.loadEngine();
  const inputs = [data(1, 3), data(1000, 4), data(64 * 1024 + 3, 5)]; // the last one makes memory grow
  const ptrs = inputs.map((x) => e.putF32(x));
  // Views are re-created after the allocations (growth detaches them), and copied out with slice().
  const back = ptrs.map((p, i) => e.f32(p, inputs[i].length).slice());
  const same = back.every((b, i) => b.length === inputs[i].length && hashF32(b) === hashF32(inputs[i]));
  if (!same) throw new Error('engine round trip changed the bytes of an f32 buffer');
  for (const p of ptrs) e.free(p);
  return { bytes: e.byteLength > 0, roundTrip: back.map(hashF32) };
}

export async function smoke(gf) {
  const engine = await engineRoundTrip(gf);
  const js = hashF32(jsF32(4099));

  // ------------------------------------------------------------------------------------------------------
  // THE SDK COMPUTATION, the one place to extend: every result here must be a deterministic function of its
  // inputs in every runtime. Put float results through hashF32 (Float32Array) / hashBytes (other typed
  // arrays); counts and flags as plain values.
  const pool = await gf.Pool.create({ workers: 2 });
  let sdk;
  try {
    const [m, k, n] = [3001, 97, 65];
    const c = await gf.matmul({ data: data(m * k, 1), shape: [m, k] }, { data: data(k * n, 2), shape: [k, n] }, { pool });
    const blobs = data(4000 * 3, 3).map((v, i) => v + 3 * (Math.floor(i / 3) % 4));
    const gm = await new gf.GaussianMixture({ nComponents: 4, randomState: 11, pool, onWarning: () => {} }).fit({ data: blobs, shape: [4000, 3] });
    const sample = await gm.sample(50, { randomState: 2 });
    // A small convolutional VAE trained in the calling thread (a one-worker pool): the network kernels, Adam
    // and the seeded draws give the same bits everywhere.
    const one = await gf.Pool.create({ workers: 1 });
    const vae = await gf.VAE.create({ config: { input: { channels: 1, height: 8, width: 8 }, encoder: [{ conv: 4 }, { dense: 16 }], latent: 2 }, randomState: 3 });
    await vae.fit({ data: data(48 * 64, 9).map((v) => v + 0.5), shape: [48, 64] }, { epochs: 2, batchSize: 16, pool: one });
    one.close();
    // The FMA build (relaxed SIMD, on by default in Deno and Chromium, behind a flag the SDK sets in Node 20):
    // on one machine every runtime's V8 emits the same fused instructions, so its bits agree too.
    const fmaPool = (await gf.fmaAvailable()) ? await gf.Pool.create({ workers: 2, fma: true }) : undefined;
    let fma = null;
    if (fmaPool) {
      const cf = await gf.matmul({ data: data(m * k, 1), shape: [m, k] }, { data: data(k * n, 2), shape: [k, n] }, { pool: fmaPool });
      const gf2 = await new gf.GaussianMixture({ nComponents: 4, randomState: 11, pool: fmaPool, onWarning: () => {} }).fit({ data: blobs, shape: [4000, 3] });
      fma = { build: fmaPool.build, gemm: hashF32(cf.data), gmmMeans: hashBytes(gf2.means.data) };
      fmaPool.close();
    }
    sdk = {
      fma,
      gemm: hashF32(c.data),
      gemmShape: [c.rows, c.cols],
      gmmMeans: hashBytes(gm.means.data),
      gmmCovariances: hashBytes(gm.covariances),
      gmmIterations: gm.nIter,
      samples: hashBytes(sample.X.data),
      vaeModel: hashBytes(vae.toBytes()),
      vaeSamples: hashF32((await vae.sample(4, { randomState: 1 })).X.data),
    };
  } finally {
    pool.close();
  }
  // ------------------------------------------------------------------------------------------------------

  const parts = { ...engine, js, ...sdk };
  return { hash: hashString(JSON.stringify(parts)), ...parts };
}
