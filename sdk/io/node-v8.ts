// Node 20 (V8 11.3) ships WebAssembly relaxed SIMD behind a flag; the FMA engine build needs it.
import { setFlagsFromString } from 'node:v8';

/** Lets relaxed-SIMD opcodes validate in this process (and its worker threads): WebAssembly only. */
export function enableRelaxedSimd(): void {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
