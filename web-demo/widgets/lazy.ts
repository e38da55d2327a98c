// The page's one widget worker (widget-worker.js next to this bundle), started when the first widget starts
// (first visibility or interaction): it loads the SDK, the engine and the worker pool, so the page never does.
import { wrap, type Remote } from 'comlink';
import type { ComputeApi } from './compute-worker.js';
import { startModuleWorker } from './worker-url.js';

let compute: Remote<ComputeApi> | undefined;

export function computeWorker(): Remote<ComputeApi> {
  return (compute ??= wrap<ComputeApi>(startModuleWorker(new URL('./widget-worker.js', import.meta.url))));
}
