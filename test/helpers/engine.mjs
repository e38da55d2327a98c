// Engine for kernel tests: the SDK's embedded build, or the .wasm named by GAUSSFACE_WASM (to test another
// build of the same sources, e.g. while iterating on one module).
import { readFileSync } from 'node:fs';
import { Engine } from '../../dist/index.js';

export async function getEngine() {
  const file = process.env.GAUSSFACE_WASM;
  return Engine.instantiate(file ? await WebAssembly.compile(readFileSync(file)) : undefined);
}
