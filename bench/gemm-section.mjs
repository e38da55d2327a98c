// GEMM GFLOP/s: the engine on one thread and on the pool, numpy/OpenBLAS on one thread, and the JS peers.
import { Matrix as MlMatrix } from 'ml-matrix';
import { chunkRowsFor, compileEngine, fmaAvailable, loadEngine, matmul, Pool, tasks } from '../dist/index.js';
import { median } from './util.mjs';

const SHAPES = [
  [13000, 150, 150],
  [13000, 4096, 150],
  [512, 512, 512],
];

const gflops = (m, k, n, s) => (2 * m * k * n) / s / 1e9;
const rand = (len, seed) => {
  const out = new Float32Array(len);
  let x = seed;
  for (let i = 0; i < len; i++) out[i] = ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return out;
};

/** Median seconds of `reps` calls of a synchronous or async function, after one warm-up (past Liftoff). */
async function seconds(reps, fn) {
  await fn();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
}

async function wasmSingle(e, m, k, n, a, b, reps) {
  const [pa, pb, pc] = [e.putF32(a), e.putF32(b), e.alloc(m * n * 4)];
  try {
    return await seconds(reps, () => e.call('gemm', 0, 0, m, n, k, 1, pa, k, pb, n, 0, pc, n));
  } finally {
    [pa, pb, pc].forEach((p) => e.free(p));
  }
}

/** A resident in the workers (sent once, as in every model fit); B sent each call; C returned, or kept resident. */
async function wasmPool(workers, m, k, n, a, b, reps) {
  const pool = await Pool.create({ workers });
  try {
    const ds = await pool.upload(a, m, k, { chunkRows: Math.min(chunkRowsFor(k), Math.max(8, Math.ceil(m / 64) * 8)) });
    const returned = await seconds(reps, () => pool.map(tasks.linalg.gemm, ds, { b, k, n }));
    const out = pool.derive(ds, n);
    const kept = await seconds(reps, () => pool.map(tasks.linalg.gemm, ds, { b, k, n, into: out.id }, { into: out }));
    const endToEnd = await seconds(reps, () => matmul({ data: a, shape: [m, k] }, { data: b, shape: [k, n] }, { pool }));
    return { returned, kept, endToEnd };
  } finally {
    pool.close();
  }
}

/** Plain JS i-k-j loop over Float32Array, on the first `rows` rows (rate extrapolated by flops). */
function jsLoop(rows, k, n, a, b) {
  const c = new Float32Array(rows * n);
  const t0 = performance.now();
  for (let i = 0; i < rows; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j];
    }
  return (performance.now() - t0) / 1000;
}

function mlMatrix(rows, k, n, a, b) {
  const A = new MlMatrix(rows, k);
  for (let i = 0; i < rows; i++) for (let p = 0; p < k; p++) A.set(i, p, a[i * k + p]);
  const B = new MlMatrix(k, n);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) B.set(p, j, b[p * n + j]);
  const t0 = performance.now();
  A.mmul(B);
  return (performance.now() - t0) / 1000;
}

export async function run({ quick, python }) {
  const reps = quick ? 3 : 7;
  const e = await loadEngine();
  const ef = (await fmaAvailable()) ? await loadEngine(await compileEngine('fma')) : undefined;
  const np = python.ok ? python.run(['gemm', '--threads', '1', '--reps', String(reps), '--shapes', ...SHAPES.map((s) => s.join('x'))]) : null;
  const probe = await Pool.create();
  const workers = probe.size;
  probe.close();
  const rows = [];
  for (const [m, k, n] of SHAPES) {
    const a = rand(m * k, 1);
    const b = rand(k * n, 2);
    const one = await wasmSingle(e, m, k, n, a, b, reps);
    const fma = ef && (await wasmSingle(ef, m, k, n, a, b, reps));
    const pool1 = await wasmPool(1, m, k, n, a, b, reps);
    const poolN = await wasmPool(workers, m, k, n, a, b, reps);
    const sub = Math.min(m, Math.max(8, Math.round(2e8 / (2 * k * n))));
    const js = gflops(sub, k, n, jsLoop(sub, k, n, a, b));
    const ml = gflops(sub, k, n, mlMatrix(sub, k, n, a, b));
    const npRow = np?.rows.find((r) => r.shape === `${m}x${k}x${n}`);
    rows.push({
      shape: `${m}×${k}·${k}×${n}`,
      one: gflops(m, k, n, one),
      fma: fma && gflops(m, k, n, fma),
      pool1: gflops(m, k, n, pool1.returned),
      poolN: gflops(m, k, n, poolN.returned),
      keptN: gflops(m, k, n, poolN.kept),
      e2e: gflops(m, k, n, poolN.endToEnd),
      numpy: npRow?.gflops,
      js,
      ml,
    });
  }
  const f = (x) => (x === undefined ? '—' : x.toFixed(1));
  return `## GEMM (f32)

GFLOP/s = 2·M·N·K / time, median of ${reps} after a warm-up. numpy: float32 \`a @ b\`, one OpenBLAS thread
(kernel: ${np?.kernel ?? 'not run'}). Pool columns: A resident in the workers (sent once, as in every model fit),
B sent on every call and C either returned to the caller or kept resident in the workers (as a PCA projection
feeding a mixture is); "end to end" is \`matmul(a, b)\` including sending A. JS peers run on a subset of rows
(rate extrapolated).

| shape | wasm 1 thread | FMA build, 1 thread | pool, 1 worker, C returned | pool, ${workers} workers, C returned | pool, ${workers} workers, C resident | × (${workers} workers resident vs 1 thread) | \`matmul\` end to end | numpy 1 thread | wasm / numpy | FMA / numpy | plain JS loop | ml-matrix |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.shape} | **${f(r.one)}** | **${f(r.fma)}** | ${f(r.pool1)} | ${f(r.poolN)} | **${f(r.keptN)}** | ${(r.keptN / r.one).toFixed(2)} | ${f(r.e2e)} | ${f(r.numpy)} | **${r.numpy ? (r.one / r.numpy).toFixed(2) : '—'}** | ${r.numpy && r.fma ? (r.fma / r.numpy).toFixed(2) : '—'} | ${f(r.js)} | ${f(r.ml)} |`).join('\n')}

The hardware ratio of a 128-bit wasm SIMD core to OpenBLAS's AVX-512 kernel is 0.25, to its AVX2 kernel 0.5
(see the kernel name above for which one ran). \`../shared/docs/WASM-PERFORMANCE.md\`'s 42–48 GFLOP/s were measured
on a Zen 5 core; the project's machines change between sessions (this run's core is in the header): on the Zen 3
cores of earlier runs the 4×8 micro-kernel alone (data in L1) measured 33–36 GFLOP/s and the whole GEMM reached
90–100 % of it. Returning a large C to the caller costs one copy ("C returned"). The FMA build (\`Pool.create({ fma: true })\`,
optional, see README) replaces the micro-kernel's f32x4 mul + add by relaxed SIMD's fused multiply-add: half the
arithmetic instructions, which on Intel cores (2 FMA ports; mul and add share them) is worth far more than on Zen.
`;
}
