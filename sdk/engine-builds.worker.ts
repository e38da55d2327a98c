// engine-builds.ts as the worker bundles see it (scripts/build.mjs swaps it in): worker scripts carry no engine
// bytes. A worker instantiates the Module the pool posts it, and programs' in-thread engines (local.ts) the
// portable build posted next to it (Executor.init → provideEngine).
import { GaussfaceError } from './errors.js';
import { Engine } from './engine.js';

export type EngineBuild = 'portable' | 'fma';

const posted = new Map<EngineBuild, WebAssembly.Module>();

export function provideEngine(build: EngineBuild, module: WebAssembly.Module): void {
  posted.set(build, module);
}

/** The build the pool posted to this worker. */
export async function compileEngine(build: EngineBuild = 'portable'): Promise<WebAssembly.Module> {
  const m = posted.get(build);
  if (!m) throw new GaussfaceError(`the ${build} engine build was not posted to this worker (worker scripts carry no engine bytes)`, 'EWORKER');
  return m;
}

/** Relaxed SIMD is decided by the calling thread, which picks the build it posts. */
export async function fmaAvailable(): Promise<boolean> {
  return false;
}

export async function loadEngine(module?: WebAssembly.Module): Promise<Engine> {
  return Engine.instantiate(module ?? (await compileEngine()));
}
