// The engine builds embedded in the SDK: compiled once per thread, the Module posted to every worker (so a page
// downloads and compiles the engine once, and worker scripts carry no .wasm). Workers never import this file.
import portableBytes from '../build/gaussface.wasm';
import fmaBytes from '../build/gaussface-fma.wasm';
import { Engine, startFailure } from './engine.js';
import { allowRelaxedSimd } from './host.js';

/**
 * Which engine build: 'portable' (plain SIMD: the same bits in every runtime and on every CPU; the default) or
 * 'fma' (relaxed SIMD's fused multiply-add in the GEMM micro-kernel: faster, deterministic on one machine, but
 * its bits differ from the portable build's and between CPUs with and without FMA).
 */
export type EngineBuild = 'portable' | 'fma';

const compiled = new Map<EngineBuild, Promise<WebAssembly.Module>>();

/** Compiles an embedded engine build once per thread; the Module can be posted to workers. */
export function compileEngine(build: EngineBuild = 'portable'): Promise<WebAssembly.Module> {
  let m = compiled.get(build);
  if (!m) {
    m = WebAssembly.compile((build === 'fma' ? fmaBytes : portableBytes) as BufferSource).catch((e) => {
      compiled.delete(build); // a later call may succeed (e.g. after other instances were freed)
      throw startFailure(e, 'compile');
    });
    compiled.set(build, m);
  }
  return m;
}

let fma: Promise<boolean> | undefined;

/**
 * Whether this runtime can run the FMA build. Browsers, Deno and Node ≥ 22 have relaxed SIMD; Node 20 has it
 * behind a V8 flag, which is turned on here (it changes nothing but which WebAssembly opcodes validate).
 */
export function fmaAvailable(): Promise<boolean> {
  fma ??= (async () => {
    if (WebAssembly.validate(fmaBytes as BufferSource)) return true;
    return (await allowRelaxedSimd()) && WebAssembly.validate(fmaBytes as BufferSource);
  })();
  return fma;
}

/** Where a compiled build comes from another thread (workers, see engine-builds.worker.ts); this thread compiles its own. */
export function provideEngine(_build: EngineBuild, _module: WebAssembly.Module): void {}

/** Loads an engine in the current thread (Node, Deno or a browser): the portable build unless `module` is given. */
export async function loadEngine(module?: WebAssembly.Module): Promise<Engine> {
  return Engine.instantiate(module ?? (await compileEngine()));
}
