// What the default build (dist/index.js: Node, Deno, a browser loading dist/ unbundled) needs from its runtime:
// worker_threads in Node, Web Workers elsewhere, and Node 20's relaxed-SIMD flag. The browser build
// (dist/browser.js, the `browser` export condition) replaces this module with host.browser.ts, which names no
// node: module, so bundlers never see one.
import { hasWebWorkers, navigatorConcurrency, sameOriginScript, startFailure, startWebWorker, webWorkerHandle, type WorkerHandle } from './spawn.js';

/** Starts one engine worker: `workerUrl` when given, else the worker script next to this bundle. */
export async function spawnWorker(workerUrl?: string | URL): Promise<WorkerHandle> {
  if (!hasWebWorkers()) {
    const { spawnNodeWorker } = await import('./io/node-worker.js');
    // worker_threads takes a path as well as a URL.
    const handle = spawnNodeWorker((workerUrl ?? new URL('./worker-node.js', import.meta.url)) as URL);
    if (workerUrl === undefined) return handle;
    // A script given that is not there: the same EWORKER message as in browsers, with Node's file in it.
    const missing = /ERR_MODULE_NOT_FOUND|Cannot find module/;
    return { ...handle, onDeath: (cb) => handle.onDeath((reason) => (missing.test(reason) ? cb(nodeStartFailure(workerUrl, reason), true) : cb(reason))) };
  }
  if (workerUrl !== undefined) return startWebWorker(workerUrl);
  const url = new URL('./worker.js', import.meta.url);
  const script = sameOriginScript(url);
  // The literal `new Worker(new URL(…, import.meta.url))` is the pattern bundlers recognise and rewrite.
  if (script === url) return webWorkerHandle(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }), url.href, url.href);
  return webWorkerHandle(new Worker(script, { type: 'module' }), url.href, url.href);
}

const nodeStartFailure = (url: string | URL, reason: string) => startFailure(String(url), reason, "gaussface's dist/worker-node.js (a path or file URL)");

/** Number of logical cores the runtime reports (1 if it does not say). */
export async function hardwareConcurrency(): Promise<number> {
  const n = navigatorConcurrency();
  if (n) return n;
  if (!hasWebWorkers()) return (await import('./io/node-worker.js')).nodeConcurrency();
  return 1;
}

/**
 * Lets relaxed-SIMD opcodes validate where a flag can (Node 20, in this process and its workers); whether it
 * tried. Browsers and Deno have relaxed SIMD on or not at all.
 */
export async function allowRelaxedSimd(): Promise<boolean> {
  const g = globalThis as any;
  if (typeof g.process?.versions?.node !== 'string' || g.Deno) return false;
  (await import('./io/node-v8.js')).enableRelaxedSimd();
  return true;
}
