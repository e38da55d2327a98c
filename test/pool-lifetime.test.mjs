// The pool over a process's lifetime: nothing a finished call returned stays reachable (no leak in long-running
// processes; checked in a child process that can force garbage collection), idle workers stop when the runtime
// would otherwise stay alive for them (Deno), and a script ends by itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool, tasks } from '../dist/index.js';
import { randF32, rejects } from './helpers/util.mjs';
import { run as runDeno } from './runtime/run-deno.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bytesOf = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Runs an ES module source in a child Node (cwd: the repository) with `gc()` available; returns its stdout. */
function runWithGc(src, timeout = 30000) {
  // --expose-gc on the command line would be passed on to the workers, which refuse it: set it at run time.
  const prelude = `import v8 from 'node:v8'; import vm from 'node:vm'; v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const settle = async () => { for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 10)); gc(); } };\n`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', prelude + src], { timeout }).toString().trim();
}

test('a finished call keeps nothing it returned alive (results are collectable once dropped)', () => {
  // Each call's results used to stay reachable through the reactions of a never-settling "worker died" promise
  // raced against every call: ~6.6 MB per full-covariance fit, never freed.
  const out = runWithGc(`import { Pool, tasks } from './dist/index.js';
    const pool = await Pool.create({ workers: 2 });
    const [m, k, n] = [4000, 32, 16];
    const a = new Float32Array(m * k).map((_, i) => Math.sin(i));
    const ds = await pool.upload(a, m, k, { chunkRows: 512 });
    // In a function of its own: a suspended top-level frame could keep the last results in a stale register.
    const round = async (i) => (await pool.map(tasks.linalg.gemm, ds, { b: new Float32Array(k * n).fill(i), k, n })).map((p) => new WeakRef(p));
    const refs = [];
    for (let i = 0; i < 4; i++) refs.push(...(await round(i)));
    await settle();
    console.log(JSON.stringify({ alive: refs.filter((r) => r.deref()).length, total: refs.length }));
    pool.close();`);
  const { alive, total } = JSON.parse(out);
  assert.is(total, 32);
  assert.is(alive, 0, `${alive} of ${total} results dropped by the caller are still reachable`);
});

test('repeated mixture fits do not accumulate memory (programs run whole in one executor included)', () => {
  // The data fit in one chunk, so each fit runs as one program inside one executor, over a pool of its own: an
  // inline pool puts that executor in this thread, where its memory can be measured (a worker's cannot).
  const out = runWithGc(`import { GaussianMixture, Pool, syntheticFaces } from './dist/index.js';
    const { X } = syntheticFaces({ n: 200, size: 16, seed: 1 });
    const pool = await Pool.create({ inline: true });
    const fit = (i) => new GaussianMixture({ nComponents: 3, randomState: i, pool }).fit(X);
    const buffers = async () => (await settle(), process.memoryUsage().arrayBuffers);
    for (let i = 0; i < 5; i++) await fit(i);
    const before = await buffers();
    for (let i = 5; i < 25; i++) await fit(i);
    const after = await buffers();
    console.log(JSON.stringify({ grew: (after - before) / 2 ** 20 }));
    pool.close();`);
  const { grew } = JSON.parse(out);
  // Before the fix: ~6.6 MB per fit, 130 MB over these 20 fits.
  assert.ok(grew < 16, `ArrayBuffer memory grew by ${grew.toFixed(1)} MB over 20 fits`);
});

test('idleTimeout: an idle worker holding no data stops, one holding data stays; both give the same bits again', async () => {
  const pool = await Pool.create({ workers: 2, idleTimeout: 40 });
  try {
    const [m, k, n] = [3000, 24, 5];
    const a = randF32(m * k, 3);
    const params = { b: randF32(k * n, 4), k, n };
    const ds = await pool.upload(a, m, k, { chunkRows: 500 });
    const first = await pool.map(tasks.linalg.gemm, ds, params);
    await sleep(150);
    assert.is(pool.running, 2, 'workers holding a dataset stay');
    const again = await pool.map(tasks.linalg.gemm, ds, params);
    await pool.release(ds);
    await sleep(150);
    assert.is(pool.running, 0, 'empty idle workers stopped');
    const restarted = await pool.map(tasks.linalg.gemm, await pool.upload(a, m, k, { chunkRows: 500 }), params);
    assert.is(pool.running, 2);
    first.forEach((part, i) => {
      assert.ok(bytesOf(again[i]).equals(bytesOf(part)));
      assert.ok(bytesOf(restarted[i]).equals(bytesOf(part)));
    });
  } finally {
    pool.close();
  }
  const never = await Pool.create({ workers: 1 }); // Node's default: idle workers do not keep it alive, keep them
  await never.upload(new Float32Array(8), 1, 8).then((ds) => never.release(ds));
  await sleep(300);
  assert.is(never.running, 1);
  never.close();
  await rejects(() => Pool.create({ idleTimeout: -1 }), /idleTimeout must be a number of milliseconds/);
});

test('a worker restarted between two steps gets back the rows the next step reads by id, not only those it maps', async () => {
  // The step reads a second dataset by id (a mixture's initial responsibilities, uploaded `like` the rows): the
  // restarted worker used to be given only the mapped rows, and the step failed with "chunk … is not resident".
  const pool = await Pool.create({ workers: 2 });
  try {
    const [n, d, K] = [2000, 8, 2];
    const ds = await pool.upload(randF32(n * d, 5), n, d, { chunkRows: 500 }); // chunks 1 and 3 in worker 1
    const R = await pool.upload(new Float32Array(n * K).map((_, i) => (i % 3) / 2), n, K, { like: ds });
    const params = { kind: 'diag', K, d, shift: new Float32Array(K * d), respId: R.id, minResp: 0 };
    const before = await pool.map(tasks.mixture.statsFromResp, ds, params);
    pool.restart(1);
    const after = await pool.map(tasks.mixture.statsFromResp, ds, params);
    assert.equal(after.map((p) => Array.from(p.sx)), before.map((p) => Array.from(p.sx)));
    await pool.release(R);
    assert.is(ds.companions.size, 0, 'a released companion is not kept');
  } finally {
    pool.close();
  }
});

test('closing a pool during a call rejects it saying the pool was closed (not "worker 0 was restarted")', async () => {
  const pool = await Pool.create({ workers: 2 });
  const [m, k, n] = [4096, 256, 1024];
  const ds = await pool.upload(randF32(m * k, 9), m, k);
  const call = pool.map(tasks.linalg.gemm, ds, { b: randF32(k * n, 10), k, n }).then(() => null, (e) => e);
  await sleep(20);
  pool.close();
  const err = await call;
  assert.ok(err, 'the call rejected');
  assert.is(err.code, 'EABORT');
  assert.match(err.message, /^the pool was closed \(pool\.close\(\) or shutdown\(\)\) while the call was running/);
});

test("Deno: the README's SDK example ends by itself after the fit (idle Web Workers are stopped)", async () => {
  // The first code block of the README's Deno section, importing this build, then a line saying when it was done.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### In Deno and in browsers'));
  const snippet = section.match(/```js\n([\s\S]*?)```/)[1];
  const dist = pathToFileURL(join(ROOT, 'dist/index.js')).href;
  const code = snippet.replace(/from '[^']*gaussface[^']*'/g, `from '${dist}'`);
  assert.ok(code.includes(dist) && /\.fit\(/.test(code), 'the snippet imports the SDK and fits');
  const dir = mkdtempSync(join(tmpdir(), 'gaussface-deno-'));
  try {
    writeFileSync(join(dir, 'app.js'), `${code}\nconsole.log(JSON.stringify({ done: Date.now(), nIter: gm.nIter }));\n`);
    const { stdout } = await runDeno(['run', '--cached-only', '--no-prompt', `--allow-read=${ROOT},${dir}`, join(dir, 'app.js')], 30000);
    const ended = Date.now();
    const { done, nIter } = JSON.parse(stdout.trim().split('\n').pop());
    assert.ok(nIter >= 1);
    console.log(`  Deno ended ${ended - done} ms after the fit`);
    assert.ok(ended - done < 5000, `ended ${ended - done} ms after the fit`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
