// What a widget loads only when it starts (first visibility or interaction), once per page however many widgets
// it has: the SDK (and with it the engine and its worker pool) and the widgets' compute worker.
import { wrap, type Remote } from 'comlink';
import type { ComputeApi } from './compute-worker.js';
import { startModuleWorker } from './worker-url.js';

type Sdk = typeof import('../../sdk/index.js');
let sdkPromise: Promise<Sdk> | undefined;
let compute: Remote<ComputeApi> | undefined;

/**
 * The gaussface SDK, imported on first use, with the engine compiled and the worker pool started: that start-up
 * work belongs to a widget's "loading" and should not land in the middle of its first fit.
 */
export function sdk(): Promise<Sdk> {
  return (sdkPromise ??= import('../../sdk/index.js').then(async (g) => {
    await Promise.all([g.compileEngine(), g.getPool()]);
    return g;
  }));
}

/** The page's one compute worker (widget-worker.js next to this bundle). */
export function computeWorker(): Remote<ComputeApi> {
  return (compute ??= wrap<ComputeApi>(startModuleWorker(new URL('./widget-worker.js', import.meta.url))));
}
