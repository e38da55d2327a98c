// The pool over a process's lifetime: nothing a finished call returned stays reachable (no leak in long-running
// processes). Run in a child process that can force garbage collection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';

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
  const out = runWithGc(`import { Pool } from './dist/index.js';
    const pool = await Pool.create({ workers: 2 });
    const [m, k, n] = [4000, 32, 16];
    const a = new Float32Array(m * k).map((_, i) => Math.sin(i));
    const ds = await pool.upload(a, m, k, { chunkRows: 512 });
    // In a function of its own: a suspended top-level frame could keep the last results in a stale register.
    const round = async (i) => (await pool.map('gemm', ds, { b: new Float32Array(k * n).fill(i), k, n })).map((p) => new WeakRef(p));
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

test.run();
