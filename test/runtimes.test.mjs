// The same SDK smoke test in Node, Deno and headless Chromium (with and without cross-origin isolation)
// must give the same bytes: the engine is deterministic and the pool reduces in chunk order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as gf from '../dist/index.js';
import { smoke } from './runtime/smoke.mjs';
import { runInChromium } from './runtime/browser.mjs';

const node = await smoke(gf);

test('Node: smoke test runs', () => {
  assert.type(node.gemm, 'string');
  assert.ok(node.gmmIterations >= 1);
});

test('Deno gives the same bytes as Node', () => {
  const deno = createRequire(import.meta.url).resolve('deno/bin.cjs');
  const out = execFileSync(process.execPath, [deno, 'run', '--allow-read', '--allow-env', 'test/runtime/deno-main.mjs'], { timeout: 60000 }).toString();
  assert.equal(JSON.parse(out.trim().split('\n').pop()), node);
});

test('headless Chromium gives the same bytes as Node (no cross-origin isolation)', async () => {
  const r = await runInChromium('test/runtime/page.html');
  assert.is(r.isolated, false);
  assert.equal(r.result, node);
});

test('headless Chromium with cross-origin isolation gives the same bytes', async () => {
  const r = await runInChromium('test/runtime/page.html', { isolated: true });
  assert.is(r.isolated, true);
  assert.equal(r.result, node);
});

test.after(() => gf.shutdown());
test.run();
