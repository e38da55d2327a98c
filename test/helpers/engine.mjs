// Engine for kernel tests: one of the SDK's embedded builds ('portable', or 'fma' where the runtime has relaxed
// SIMD), or the .wasm named by GAUSSFACE_WASM (to test another build of the same sources, e.g. while iterating
// on one module).
import { readFileSync } from 'node:fs';
import { compileEngine, Engine, fmaAvailable } from '../../dist/index.js';

export async function getEngine(build = 'portable') {
  const file = process.env.GAUSSFACE_WASM;
  if (file) return Engine.instantiate(await WebAssembly.compile(readFileSync(file)));
  if (build === 'fma' && !(await fmaAvailable())) throw new Error('this runtime has no relaxed SIMD for the FMA build');
  return Engine.instantiate(await compileEngine(build));
}

/** [name, engine] for every build whose kernels differ: the micro-kernel's tests run on each. */
export async function allBuilds() {
  const builds = [['portable', await getEngine()]];
  if (!process.env.GAUSSFACE_WASM) builds.push(['fma', await getEngine('fma')]);
  return builds;
}
