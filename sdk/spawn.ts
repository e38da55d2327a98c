// Starting a worker in whatever runtime we are in: Web Workers (browsers, Deno) or worker_threads (Node,
// through the io/node-worker adapter, so nothing here imports node: modules).
import type { Endpoint } from 'comlink';

/** A started worker: a comlink endpoint plus the lifecycle hooks the pool needs. */
export interface WorkerHandle {
  readonly endpoint: Endpoint;
  terminate(): void;
  /** Called once if the worker dies or throws outside a call. */
  onDeath(cb: (reason: string) => void): void;
  /** Whether the worker keeps the process alive (Node); a no-op elsewhere. */
  setBusy(busy: boolean): void;
}

const isWebWorkerRuntime = () => typeof (globalThis as any).Worker === 'function';

/**
 * A worker script must be same-origin; when the SDK is loaded from another site (a demo embedded in a blog
 * post), a one-line blob module that imports the real worker script stands in for it.
 */
function sameOriginUrl(url: URL): URL | string {
  const origin = (globalThis as any).location?.origin;
  if (!origin || url.origin === origin || url.protocol === 'file:') return url;
  return URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
}

/** Starts one engine worker running dist/worker.js. */
export async function spawnWorker(): Promise<WorkerHandle> {
  const url = new URL('./worker.js', import.meta.url);
  if (!isWebWorkerRuntime()) {
    const { spawnNodeWorker } = await import('./io/node-worker.js');
    return spawnNodeWorker(url);
  }
  const w: Worker = new (globalThis as any).Worker(sameOriginUrl(url), { type: 'module' });
  let dead: ((reason: string) => void) | undefined;
  w.addEventListener('error', (ev: ErrorEvent) => {
    ev.preventDefault?.();
    dead?.(ev.message || 'uncaught error in worker');
  });
  w.addEventListener('messageerror', () => dead?.('a message could not be deserialised'));
  return {
    endpoint: w as unknown as Endpoint,
    terminate: () => w.terminate(),
    onDeath: (cb) => (dead = cb),
    setBusy: () => {},
  };
}

/** Number of logical cores the runtime reports (1 if it does not say). */
export async function hardwareConcurrency(): Promise<number> {
  const n = (globalThis as any).navigator?.hardwareConcurrency;
  if (typeof n === 'number' && n > 0) return n;
  if (!isWebWorkerRuntime()) return (await import('./io/node-worker.js')).nodeConcurrency();
  return 1;
}
