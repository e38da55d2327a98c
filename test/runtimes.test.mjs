// The same SDK smoke test (test/runtime/smoke.mjs) in Node, Deno and headless Chromium — without and with
// cross-origin isolation — must give the same object, bit for bit: the engine is deterministic and the pool
// reduces in chunk order. Chromium is Debian's /usr/bin/chromium: missing, its tests FAIL (CI installs it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as gf from '../dist/index.js';
import { smoke } from './runtime/smoke.mjs';
import { runInDeno } from './runtime/run-deno.mjs';
import { runInChromium } from './runtime/run-chromium.mjs';

const times = {};
async function timed(name, fn) {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    times[name] = ((performance.now() - t0) / 1000).toFixed(1) + ' s';
  }
}

let node;

test('Node: the smoke test runs', async () => {
  node = await timed('node', () => smoke(gf));
  assert.match(node.hash, /^[0-9a-f]{8}$/);
  assert.is(node.bytes, true);
  assert.equal(node.gemmShape, [3001, 65]);
  assert.ok(node.gmmIterations >= 1);
  assert.is(node.fma?.build, 'fma', 'the FMA build loads in Node 20');
  assert.equal(JSON.parse(JSON.stringify(node)), node, 'the result is plain JSON');
});

test('Deno gives the same result as Node', async () => {
  const deno = await timed('deno', () => runInDeno());
  assert.equal(deno, node);
});

test('headless Chromium gives the same result as Node (no cross-origin isolation)', async () => {
  const r = await timed('chromium', () => runInChromium());
  assert.is(r.isolated, false);
  assert.ok(r.workers.some((u) => u.endsWith('/dist/worker.js')), `the pool ran in Web Workers from dist/ (workers: ${r.workers})`);
  assert.equal(r.result, node);
});

test('headless Chromium with cross-origin isolation (COOP + COEP) gives the same result', async () => {
  const r = await timed('chromium+COOP/COEP', () => runInChromium({ isolated: true }));
  assert.is(r.isolated, true);
  assert.equal(r.result, node);
});

test.after(async () => {
  await gf.shutdown();
  console.log(`\n  runtimes: ${Object.entries(times).map(([k, v]) => `${k} ${v}`).join(', ')}`);
});
test.run();
