// Starting a worker: the handle the pool drives, and the Web Worker side every runtime with Web Workers shares
// (browsers, Deno). Which script a worker runs, and Node's worker_threads, are the host's business (host.ts, or
// host.browser.ts in the browser build), so nothing here imports node: modules.
import type { Endpoint } from 'comlink';
import { GaussfaceError } from './errors.js';

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

/**
 * A worker script must be same-origin: for a script on another site (a demo embedded in a blog post loads its
 * bundle from the project's host), a one-line blob module that imports it stands in for it.
 */
export function sameOriginScript(url: URL): URL | string {
  const origin = (globalThis as any).location?.origin;
  if (!origin || url.origin === origin || url.protocol === 'file:') return url;
  return URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
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
  let w: Worker;
  try {
    w = new (globalThis as any).Worker(script, { type: 'module' });
  } catch (e) {
    // Chromium refuses a worker that the page's Content-Security-Policy forbids right here.
    throw new GaussfaceError(startFailure(described ?? url, (e as Error).message), 'EWORKER');
  }
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
    else void httpStatus(url, message).then((why) => dead?.(startFailure(described, why), true));
  });
  w.addEventListener('messageerror', () => dead?.('a message could not be deserialised'));
  return {
    endpoint: w as unknown as Endpoint,
    terminate: () => w.terminate(),
    onDeath: (cb) => (dead = cb),
    setBusy: () => {},
  };
}

/** Why a script did not start: the worker's own message, else what a HEAD request for it answers. */
async function httpStatus(url: string, message?: string): Promise<string> {
  if (message) return message;
  if (url.startsWith('blob:')) return "most likely a Content-Security-Policy whose worker-src does not allow blob:";
  try {
    const res = await fetch(url, { method: 'HEAD', cache: 'no-store' });
    if (!res.ok) return `HTTP ${res.status}`;
    return `served as ${res.headers.get('content-type') || 'an unknown type'}; a Content-Security-Policy may block it`;
  } catch {
    return 'not reachable';
  }
}

/**
 * The message for a worker whose script did not start: the script, why, and the fix — `script`, the file to put
 * where Pool.create({ workerUrl }) points.
 */
export function startFailure(described: string, why: string, script = "gaussface's dist/worker.js, served as JavaScript"): string {
  return (
    `gaussface could not start a worker: the worker script ${described} did not load (${why}). ` +
    `Pass Pool.create({ workerUrl }) the URL of ${script}`
  );
}
