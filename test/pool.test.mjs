// The worker pool: ordered results, bit-identity across worker counts, failure paths, exit behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { Pool, matmul, chunkRowsFor, fmaAvailable, GaussfaceError, tasks } from '../dist/index.js';
import { randF32, refGemm, maxRelErr, rejects } from './helpers/util.mjs';

const bytesOf = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('chunking depends only on the width', () => {
  assert.is(chunkRowsFor(150), chunkRowsFor(150));
  assert.ok(chunkRowsFor(150) % 8 === 0 && chunkRowsFor(1e9) >= 8);
});

test('matmul through 1, 2 and 3 workers is bit-identical and correct', async () => {
  const [m, k, n] = [5003, 77, 41]; // several chunks, a ragged last one
  const a = randF32(m * k, 3);
  const b = randF32(k * n, 4);
  const outs = [];
  for (const workers of [1, 2, 3]) {
    const pool = await Pool.create({ workers });
    try {
      outs.push((await matmul({ data: a, shape: [m, k] }, { data: b, shape: [k, n] }, { pool })).data);
    } finally {
      pool.close();
    }
  }
  assert.ok(bytesOf(outs[0]).equals(bytesOf(outs[1])), '1 vs 2 workers');
  assert.ok(bytesOf(outs[0]).equals(bytesOf(outs[2])), '1 vs 3 workers');
  const ref = refGemm(false, false, m, n, k, 1, a, k, b, n, 0, new Float64Array(m * n), n);
  assert.ok(maxRelErr(outs[0], ref) < 1e-5);
});

test('small products in the calling thread give the same bits as the pool', async () => {
  const a = randF32(40 * 30, 5);
  const b = randF32(30 * 20, 6);
  const local = await matmul({ data: a, shape: [40, 30] }, { data: b, shape: [30, 20] });
  const pool = await Pool.create({ workers: 2 });
  try {
    const viaPool = await matmul({ data: a, shape: [40, 30] }, { data: b, shape: [30, 20] }, { pool });
    assert.ok(bytesOf(local.data).equals(bytesOf(viaPool.data)));
  } finally {
    pool.close();
  }
});

test('matmul rejects bad shapes and non-finite input with named errors', async () => {
  await rejects(() => matmul([[1, 2]], [[1, 2]]), /a is 1×2 and b is 1×2/);
  await rejects(() => matmul([[1, NaN]], [[1], [2]]), /a contains NaN at row 0, column 1/);
  await rejects(() => matmul([[1, 2], [3]], [[1], [2]]), /row 1 has 1 values, expected 2/);
  await rejects(() => matmul({ data: [1, 2, 3], shape: [2, 2] }, [[1]]), /data has 3 values/);
  const r = await matmul({ data: [], shape: [0, 3] }, { data: new Float32Array(6), shape: [3, 2] });
  assert.is(r.rows, 0);
});

test('a worker that dies rejects the call with EWORKER, and the pool recovers', async () => {
  const pool = await Pool.create({ workers: 2 });
  try {
    const a = randF32(3000 * 64, 7);
    const ds = await pool.upload(a, 3000, 64);
    await pool.map(tasks.debug.crash, ds, {});
    const err = await pool.broadcast(tasks.debug.crash, {}).then(() => new Promise((r) => setTimeout(r, 300))).then(
      () => pool.map(tasks.linalg.gemm, ds, { b: randF32(64 * 8, 8), k: 64, n: 8 }),
    ).then(() => null, (e) => e);
    // The crash lands between calls or during one; either way the next calls work again with the same data.
    if (err) assert.is(err.code, 'EWORKER');
    const parts = await pool.map(tasks.linalg.gemm, ds, { b: randF32(64 * 8, 8), k: 64, n: 8 });
    assert.is(parts.length, ds.nChunks);
  } finally {
    pool.close();
  }
});

test('an engine error inside a worker keeps its class, code and message', async () => {
  const pool = await Pool.create({ workers: 1 });
  try {
    const ds = await pool.upload(randF32(64, 1), 8, 8);
    const err = await pool.map(tasks.linalg.gemm, ds, { b: new Float32Array(8), k: 8, n: 2 ** 28 }).then(() => null, (e) => e);
    assert.instance(err, GaussfaceError);
    assert.is(err.code, 'ENOMEM');
    assert.match(err.message, /out of engine memory/);
  } finally {
    pool.close();
  }
});

test('AbortSignal cancels a running call promptly and the pool is usable afterwards', async () => {
  const pool = await Pool.create({ workers: 2 });
  try {
    const [m, k, n] = [4096, 512, 2048];
    const ds = await pool.upload(randF32(m * k, 9), m, k);
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 30);
    const err = await pool.map(tasks.linalg.gemm, ds, { b: randF32(k * n, 10), k, n }, { signal: ac.signal }).then(() => null, (e) => e);
    assert.ok(err, 'the call was cancelled');
    assert.is(err.code, 'EABORT');
    assert.ok(performance.now() - t0 < 1000, 'promptly');
    const again = await pool.map(tasks.linalg.gemm, ds, { b: randF32(k * 4, 11), k, n: 4 });
    assert.is(again.length, ds.nChunks);
    const pre = new AbortController();
    pre.abort();
    await rejects(() => pool.map(tasks.linalg.gemm, ds, { b: randF32(k * 4, 11), k, n: 4 }, { signal: pre.signal }), /cancelled/);
  } finally {
    pool.close();
  }
});

test('a streamed dataset gives the same results as a resident one, from an array or a ChunkSource', async () => {
  const pool = await Pool.create({ workers: 2 });
  try {
    const [m, k, n] = [9001, 40, 7];
    const a = randF32(m * k, 12);
    const b = randF32(k * n, 13);
    const resident = await pool.map(tasks.linalg.gemm, await pool.upload(a, m, k), { b, k, n });
    const streamed = await pool.map(tasks.linalg.gemm, pool.stream(a, m, k), { b, k, n });
    let reads = 0;
    const source = { rows: m, cols: k, read: async (s, e) => (reads++, a.slice(s * k, e * k)) };
    const lazy = pool.stream(source);
    const fromSource = await pool.map(tasks.linalg.gemm, lazy, { b, k, n });
    assert.is(reads, lazy.nChunks);
    for (let i = 0; i < resident.length; i++) {
      assert.ok(bytesOf(streamed[i]).equals(bytesOf(resident[i])));
      assert.ok(bytesOf(fromSource[i]).equals(bytesOf(resident[i])));
    }
    const sized = pool.stream(source, { chunkRows: 1000 });
    assert.is(sized.chunkRows, 1000);
    const viaSized = await pool.map(tasks.linalg.gemm, sized, { b, k, n });
    assert.ok(bytesOf(Buffer.concat(viaSized.map(bytesOf))).equals(Buffer.concat(resident.map(bytesOf))), 'other chunks, the same GEMM rows');
    assert.throws(() => pool.stream(a, m, k, { chunkRows: 0 }), /chunkRows must be an integer/);
    const bad = pool.stream({ rows: 10, cols: 2, read: () => new Float32Array(3) });
    await rejects(() => pool.map(tasks.linalg.gemm, bad, { b: new Float32Array(2), k: 2, n: 1 }), /must return a Float32Array of 20 values/);
  } finally {
    pool.close();
  }
});

test('the workers check uploaded rows: the first NaN or ±Infinity in row order is named, whichever worker holds it', async () => {
  const [m, k] = [4000, 64];
  const opts = { chunkRows: 512 }; // 8 chunks: worker 0 holds 0, 2, 4, 6 and worker 1 holds 1, 3, 5, 7
  const pool = await Pool.create({ workers: 2 });
  try {
    const a = randF32(m * k, 31);
    a[1100 * k + 9] = Infinity; // chunk 2, worker 0
    a[600 * k + 5] = NaN; // chunk 1, worker 1: earlier in row order
    const err = await pool.upload(a, m, k, opts).catch((e) => e);
    assert.instance(err, GaussfaceError);
    assert.is(err.code, 'EINPUT');
    assert.match(err.message, /^X contains NaN at row 600, column 5: remove or impute/);
    a[600 * k + 5] = 0;
    await rejects(() => pool.upload(a, m, k, { ...opts, name: 'pixels' }), /pixels contains Infinity at row 1100, column 9/);
    a[1100 * k + 9] = 0;
    a[m * k - 1] = -Infinity; // the very last value, in the short last chunk
    await rejects(() => pool.upload(a, m, k, opts), /X contains -Infinity at row 3999, column 63/);
    await rejects(() => pool.map(tasks.pca.colSums, pool.stream(a, m, k), {}), /X contains -Infinity at row 3999, column 63/);
    // The pool is still usable, and the clean rows arrive intact (through buffers handed back and refilled).
    a[m * k - 1] = 1;
    const ds = await pool.upload(a, m, k, opts);
    const back = await pool.gather(ds);
    assert.ok(bytesOf(back).equals(bytesOf(a)));
  } finally {
    pool.close();
  }
});

test('recycled results: their buffers go back to the workers that made them and carry the same bits again', async () => {
  const [m, d, l] = [3000, 48, 6];
  const a = randF32(m * d, 41);
  const Z = randF32(d * l, 42);
  const pool = await Pool.create({ workers: 2 });
  try {
    const ds = await pool.upload(a, m, d, { chunkRows: 512 });
    const params = { d, Z, l };
    const first = await pool.map(tasks.pca.sketch, ds, params);
    const kept = first.map((p) => ({ G: p.G.slice(), P: p.P.slice() }));
    const again = await pool.map(tasks.pca.sketch, ds, params, { recycle: first });
    assert.ok(first.every((p) => p.P.byteLength === 0 && p.G.byteLength === 0), 'handed back: detached here');
    for (let i = 0; i < kept.length; i++) {
      assert.ok(bytesOf(again[i].P).equals(bytesOf(kept[i].P)), `P of chunk ${i}`);
      assert.ok(bytesOf(again[i].G).equals(bytesOf(kept[i].G)), `G of chunk ${i}`);
    }
    const third = await pool.map(tasks.pca.sketch, ds, params, { recycle: [again[0]] }); // a partial hand-back is fine
    assert.ok(bytesOf(third[1].P).equals(bytesOf(kept[1].P)));
  } finally {
    pool.close();
  }
});

test('an inline pool (tasks in the calling thread) gives the same bits as workers', async () => {
  const [m, k, n] = [3001, 33, 9];
  const a = randF32(m * k, 21);
  const b = randF32(k * n, 22);
  const inline = await Pool.create({ inline: true });
  const workers = await Pool.create({ workers: 2 });
  try {
    assert.is(inline.size, 1);
    const x = await matmul({ data: a, shape: [m, k] }, { data: b, shape: [k, n] }, { pool: inline });
    const y = await matmul({ data: a, shape: [m, k] }, { data: b, shape: [k, n] }, { pool: workers });
    assert.ok(bytesOf(x.data).equals(bytesOf(y.data)));
  } finally {
    inline.close();
    workers.close();
  }
});

test('a dataset uploaded with oneWorker lives in one worker and maps to the same bits; solo refuses spread data', async () => {
  const pool = await Pool.create({ workers: 3 });
  try {
    const [m, k, n] = [20001, 40, 7];
    const a = randF32(m * k, 31);
    const b = randF32(k * n, 32);
    const spread = await pool.upload(a, m, k);
    const one = await pool.upload(a, m, k, { oneWorker: true });
    assert.ok(spread.nChunks >= 3, 'several chunks');
    assert.is(spread.workers, 3);
    assert.is(one.workers, 1);
    assert.equal(one.chunksOf(0), [...Array(one.nChunks).keys()]);
    assert.is(pool.derive(one, 2).workers, 1, 'derived datasets are held where their rows are');
    assert.is((await pool.upload(new Float32Array(m), m, 1, { like: one })).workers, 1);
    const x = await pool.map(tasks.linalg.gemm, spread, { b, k, n });
    const y = await pool.map(tasks.linalg.gemm, one, { b, k, n });
    x.forEach((part, i) => assert.ok(bytesOf(part).equals(bytesOf(y[i]))));
    const prog = { name: 'kmeans.fit', run: () => Promise.resolve(null) };
    await rejects(() => pool.solo(prog, [spread], {}), /spread over 3 workers; upload it with oneWorker/);
  } finally {
    pool.close();
  }
});

test('a worker left empty after a large dataset starts a fresh engine (wasm memory only grows); one still holding data keeps its engine', async () => {
  const pool = await Pool.create({ workers: 1 });
  const engineMiB = async () => (await pool.broadcast(tasks.debug.engineBytes, {}))[0] / 2 ** 20;
  try {
    const [m, k, n] = [4000, 40, 7];
    const a = randF32(m * k, 51);
    const b = randF32(k * n, 52);
    const small = await pool.upload(a, m, k);
    const before = await pool.map(tasks.linalg.gemm, small, { b, k, n });
    // 48 MiB of rows, read from a ChunkSource: the calling thread never holds them.
    const big = await pool.upload({ rows: 3072, cols: 4096, read: (s, e) => randF32((e - s) * 4096, s) });
    assert.ok((await engineMiB()) > 48);
    await pool.release(big);
    assert.ok((await engineMiB()) > 48, 'rows still resident: the engine is kept');
    const same = await pool.map(tasks.linalg.gemm, small, { b, k, n });
    same.forEach((part, i) => assert.ok(bytesOf(part).equals(bytesOf(before[i]))));
    await pool.release(small);
    const after = await engineMiB();
    assert.ok(after < 4, `an empty engine of ${after.toFixed(1)} MiB: its 48 MiB should have gone back`);
    const again = await pool.upload(a, m, k);
    const x = await pool.map(tasks.linalg.gemm, again, { b, k, n });
    x.forEach((part, i) => assert.ok(bytesOf(part).equals(bytesOf(before[i])), 'the fresh engine gives the same bits'));
  } finally {
    pool.close();
  }
});

test('the FMA build: asked for, it runs where relaxed SIMD exists (Node 20 included), the same bits with 1, 2, 3 workers', async () => {
  assert.ok(await fmaAvailable(), 'relaxed SIMD in this runtime');
  const [m, k, n] = [5003, 300, 41];
  const a = randF32(m * k, 41);
  const b = randF32(k * n, 42);
  const outs = [];
  for (const workers of [1, 2, 3]) {
    const pool = await Pool.create({ workers, fma: true });
    try {
      assert.is(pool.build, 'fma');
      outs.push((await matmul({ data: a, shape: [m, k] }, { data: b, shape: [k, n] }, { pool })).data);
    } finally {
      pool.close();
    }
  }
  assert.ok(bytesOf(outs[1]).equals(bytesOf(outs[0])) && bytesOf(outs[2]).equals(bytesOf(outs[0])));
  assert.ok(maxRelErr(outs[0], refGemm(0, 0, m, n, k, 1, a, k, b, n, 0, new Float32Array(m * n), n)) < 2e-6 * Math.sqrt(k));
  const plain = await Pool.create({ workers: 1 });
  assert.is(plain.build, 'portable', 'the portable build is the default');
  plain.close();
});

test('a closed pool says so', async () => {
  const pool = await Pool.create({ workers: 1 });
  pool.close();
  await rejects(() => pool.broadcast(tasks.debug.crash, {}), /pool is closed/);
  await rejects(() => Pool.create({ workers: 0 }), /workers must be an integer/);
});

test('a script using the default pool exits by itself, and after shutdown()', () => {
  const code = `import { matmul, shutdown } from './dist/index.js';
    const a = { data: new Float32Array(3000 * 200).fill(1), shape: [3000, 200] };
    const b = { data: new Float32Array(200 * 50).fill(1), shape: [200, 50] };
    const c = await matmul(a, b);
    console.log(JSON.stringify(c.get(0, 0)));`;
  const run = (src) => execFileSync(process.execPath, ['--input-type=module', '-e', src], { timeout: 20000 }).toString().trim();
  assert.is(run(code), '200');
  assert.is(run(code + '\nawait shutdown();'), '200');
  // A whole fit run by one worker, reporting progress through a callback port, leaves nothing open either.
  const fit = `import { KMeans } from './dist/index.js';
    const X = Array.from({ length: 400 }, (_, i) => [i % 7, (i * 13) % 11]);
    let calls = 0;
    const km = await new KMeans({ nClusters: 3, randomState: 0, onProgress: () => calls++ }).fit(X);
    console.log(String(calls === km.nIter && calls > 0));`;
  assert.is(run(fit), 'true');
});

test.run();
