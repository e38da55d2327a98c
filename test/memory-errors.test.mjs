// Running out of memory is an ENOMEM GaussfaceError with advice that applies: an engine that cannot start under a
// virtual-memory limit (ulimit -v), and K-Means, which cannot stream its rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { GaussfaceError, KMeans, Pool } from '../dist/index.js';
import { rejects } from './helpers/util.mjs';

test('under ulimit -v 6 GiB, starting an engine (here or in a worker) is ENOMEM naming the limit and the way out', () => {
  // Each instance reserves ~10 GiB of address space: under the limit neither this thread's engine nor a worker's starts.
  const src = `import { loadEngine, GaussianMixture, shutdown } from './dist/index.js';
    const outcome = (e) => ({ name: e.name, code: e.code, message: e.message });
    const local = await loadEngine().then(() => null, outcome);
    const fit = await new GaussianMixture({ nComponents: 2 }).fit([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]]).then(() => null, outcome);
    console.log(JSON.stringify({ local, fit }));
    await shutdown();`;
  const r = spawnSync('bash', ['-c', 'ulimit -v 6291456 || exit 99; exec "$0" --input-type=module -e "$1"', process.execPath, src], { timeout: 30000 });
  if (r.status === 99 || r.error?.code === 'ENOENT') {
    console.log('  skipped: bash with `ulimit -v` is not available here');
    return;
  }
  assert.is(r.status, 0, `child failed: ${r.stderr}`);
  const { local, fit } = JSON.parse(r.stdout.toString().trim().split('\n').pop());
  for (const [where, e] of [['this thread', local], ['a fit on the default pool', fit]]) {
    assert.ok(e, `${where}: the engine started under the limit`);
    assert.is(e.name, 'GaussfaceError', `${where}: ${e.message}`);
    assert.is(e.code, 'ENOMEM');
    assert.match(e.message, /^cannot start a WebAssembly engine \(instantiate\): out of memory/);
    assert.match(e.message, /reserves about 10 GiB of virtual address space.*ulimit -v.*fewer workers.*--disable-wasm-trap-handler/);
  }
});

test("K-Means out of engine memory gets its own advice (it cannot stream rows), not the engine's", async () => {
  // 17,000 clusters: the centre-to-centre distances need a 1.1 GiB engine buffer (> the 1 GiB one buffer may take).
  const K = 17000;
  const X = { data: Float32Array.from({ length: K }, (_, i) => i), shape: [K, 1] };
  const pool = await Pool.create({ workers: 2 });
  try {
    const err = await rejects(() => new KMeans({ nClusters: K, init: X, maxIter: 1, pool }).fit(X), /out of engine memory/);
    assert.instance(err, GaussfaceError);
    assert.is(err.code, 'ENOMEM');
    assert.not.match(err.message, /stream by rows/);
    assert.match(err.message, /K-Means keeps its rows resident .* cannot stream them.*use fewer clusters/);
  } finally {
    pool.close();
  }
});

test.run();
