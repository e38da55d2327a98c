// The typed engine boundary: build/kernels.d.ts (generated from asc's bindings) must declare every kernel the
// .wasm exports with the same number of parameters, or `engine.call` type checks would be checking a fiction.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fmaAvailable, Pool, tasks } from '../dist/index.js';

const dts = readFileSync(new URL('../build/kernels.d.ts', import.meta.url), 'utf8');
const declared = new Map([...dts.matchAll(/^ {2}(\w+)\(([^)]*)\): \w+;$/gm)].map(([, name, args]) => [name, args ? args.split(',').length : 0]));

for (const file of ['gaussface.wasm', 'gaussface-fma.wasm']) {
  test(`kernels.d.ts declares every export of ${file} with its arity`, async () => {
    if (file.includes('fma')) assert.ok(await fmaAvailable(), 'relaxed SIMD (the SDK turns on V8\'s flag in Node 20)');
    const { instance } = await WebAssembly.instantiate(readFileSync(new URL(`../build/${file}`, import.meta.url)), { env: { abort() {} } });
    const fns = Object.entries(instance.exports).filter(([, v]) => typeof v === 'function' && !v.name.startsWith('_'));
    assert.ok(fns.length > 60, `${fns.length} exported functions`);
    for (const [name, fn] of fns) {
      if (name === '_initialize') continue;
      assert.ok(declared.has(name), `${name} is exported but not declared`);
      assert.is(declared.get(name), fn.length, `${name}: declared with ${declared.get(name)} parameters, the wasm takes ${fn.length}`);
    }
    assert.is(declared.size, fns.filter(([n]) => n !== '_initialize').length, 'no declared kernel is missing from the wasm');
  });
}

test('the task table: unique names, grouped as model code uses them', () => {
  const names = Object.values(tasks).flatMap((g) => Object.values(g).map((t) => t.name));
  assert.is(new Set(names).size, names.length);
  assert.is(tasks.kmeans.lloyd.name, 'kmeans.lloyd');
  assert.is(typeof tasks.mixture.step.run, 'function');
});

test('a task named by a string (an untyped JavaScript caller) is refused with the way to name it', async () => {
  const pool = await Pool.create({ inline: true });
  try {
    const ds = await pool.upload(new Float32Array(8), 4, 2);
    const err = await pool.map('gemm', ds, {}).then(() => null, (e) => e);
    assert.is(err?.code, 'EINPUT');
    assert.match(err.message, /entry of the tasks table \(e\.g\. tasks\.linalg\.gemm\), got the string 'gemm'/);
  } finally {
    pool.close();
  }
});

test.run();
