// Starting a worker: the handle the pool drives, and the Web Worker side every runtime with Web Workers shares
// (browsers, Deno). Which script a worker runs, and Node's worker_threads, are the host's business (host.ts, or
// host.browser.ts in the browser build), so nothing here imports node: modules.
import type { Endpoint } from 'comlink';

/** A started worker: a comlink endpoint plus the lifecycle hooks the pool needs. */
export interface WorkerHandle {
  readonly endpoint: Endpoint;
  terminate(): void;
  /**
   * Called once if the worker dies or throws outside a call. `startFailure`: its script never loaded or ran,
   * and `reason` is the whole message (naming the script and the fix).
   */
  onDeath(cb: (reason: string, startFailure?: boolean) => void): void;
  /** Whether the worker keeps the process alive (Node); a no-op elsewhere. */
  setBusy(busy: boolean): void;
}

/** Whether the runtime has Web Workers (browsers, Deno); Node has worker_threads instead. */
export const hasWebWorkers = () => typeof (globalThis as any).Worker === 'function';

/** The runtime's logical core count when it says (navigator.hardwareConcurrency), else undefined. */
export function navigatorConcurrency(): number | undefined {
  const n = (globalThis as any).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : undefined;
}

/**
 * Starts a module Web Worker on `script` (a URL) and wraps it. An error before the worker's first answer means
 * the script did not load or run (HTTP error, wrong MIME type, a Content-Security-Policy, a syntax error): that
 * death names the script — `described`, or its URL — and the fix.
 */
export function startWebWorker(script: string | URL, described?: string): WorkerHandle {
  // Named as the worker resolves it: a relative URL is relative to the page.
  const base = (globalThis as any).location?.href;
  const url = base ? new URL(script, base).href : String(script);
  const w: Worker = new (globalThis as any).Worker(script, { type: 'module' });
  return webWorkerHandle(w, described ?? url, url);
}

/** Wraps a started Web Worker (see startWebWorker); `url` is probed for an HTTP status when it fails to start. */
export function webWorkerHandle(w: Worker, described: string, url: string): WorkerHandle {
  let dead: ((reason: string, startFailure?: boolean) => void) | undefined;
  let answered = false;
  w.addEventListener('message', () => (answered = true), { once: true });
  w.addEventListener('error', (ev: Event) => {
    ev.preventDefault?.();
    const message = (ev as ErrorEvent).message;
    if (answered) dead?.(message || 'uncaught error in worker');
    else void startFailure(described, url, message).then((m) => dead?.(m, true));
  });
  w.addEventListener('messageerror', () => dead?.('a message could not be deserialised'));
  return {
    endpoint: w as unknown as Endpoint,
    terminate: () => w.terminate(),
    onDeath: (cb) => (dead = cb),
    setBusy: () => {},
  };
}

/** The message for a worker whose script did not start: what failed (an HTTP status when it can tell) and the fix. */
async function startFailure(described: string, url: string, message?: string): Promise<string> {
  let why = message;
  if (!why) {
    try {
      const res = await fetch(url, { method: 'HEAD', cache: 'no-store' });
      why = res.ok ? `served as ${res.headers.get('content-type') || 'an unknown type'}` : `HTTP ${res.status}`;
    } catch {
      why = 'not reachable';
    }
  }
  return (
    `gaussface could not start a worker: the worker script ${described} did not load (${why}; or a ` +
    `Content-Security-Policy blocked it). Serve gaussface's dist/worker.js as JavaScript from your site and pass ` +
    `its URL as Pool.create({ workerUrl })`
  );
}
