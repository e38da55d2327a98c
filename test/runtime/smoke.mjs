// The SDK smoke test every runtime runs (Node, Deno, headless Chromium): a pooled GEMM and a seeded mixture
// fit, reduced to hashes of their exact bytes, so the runtimes can be compared bit for bit.

/** FNV-1a (32-bit) over the bytes of a typed array, as 8 hex digits. */
export function hashBytes(a) {
  const u8 = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < u8.length; i++) h = Math.imul(h ^ u8[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Deterministic pseudo-random f32 data (no engine involved). */
function data(n, seed) {
  const out = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 32 - 0.5;
  }
  return out;
}

export async function smoke(gf) {
  const pool = await gf.Pool.create({ workers: 2 });
  try {
    const [m, k, n] = [3001, 97, 65];
    const c = await gf.matmul({ data: data(m * k, 1), shape: [m, k] }, { data: data(k * n, 2), shape: [k, n] }, { pool });
    const blobs = data(4000 * 3, 3).map((v, i) => v + 3 * (Math.floor(i / 3) % 4));
    const gm = await new gf.GaussianMixture({ nComponents: 4, randomState: 11, pool, onWarning: () => {} }).fit({ data: blobs, shape: [4000, 3] });
    const sample = await gm.sample(50, { randomState: 2 });
    return {
      gemm: hashBytes(c.data),
      gmmMeans: hashBytes(gm.means.data),
      gmmCovariances: hashBytes(gm.covariances),
      gmmIterations: gm.nIter,
      samples: hashBytes(sample.X.data),
    };
  } finally {
    pool.close();
  }
}
