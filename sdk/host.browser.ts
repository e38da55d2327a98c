// The browser build's host (scripts/build.mjs puts it in place of host.ts in dist/browser.js): Web Workers only,
// and no node: module anywhere, so any bundler takes the SDK as it is. The worker script is embedded as a string
// and started from a blob: URL — nothing to copy next to the bundle, no extra request per worker, and it works
// when the bundle is served from another origin. Pages whose Content-Security-Policy forbids blob: workers
// serve dist/worker.js (the same script) and pass its URL as Pool.create({ workerUrl }).
import workerSource from 'gaussface:worker-source';
import { GaussfaceError } from './errors.js';
import { hasWebWorkers, navigatorConcurrency, startWebWorker, type WorkerHandle } from './spawn.js';

let embedded: string | undefined;

/** Starts one engine worker: `workerUrl` when given, else the embedded worker script. */
export async function spawnWorker(workerUrl?: string | URL): Promise<WorkerHandle> {
  if (!hasWebWorkers())
    throw new GaussfaceError(
      "this runtime has no Web Workers, and gaussface's browser build has nothing else: use Pool.create({ inline: true }), or the package's default build (import conditions without 'browser')",
      'EWORKER',
    );
  if (workerUrl !== undefined) return startWebWorker(workerUrl);
  // One blob for the page's workers, kept (a restarted worker starts from it again).
  embedded ??= URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  return startWebWorker(embedded, `embedded in gaussface's browser build (${embedded})`);
}

/** Number of logical cores the browser reports (1 if it does not say). */
export async function hardwareConcurrency(): Promise<number> {
  return navigatorConcurrency() ?? 1;
}

/** Browsers have relaxed SIMD on or not at all: there is no flag to set. */
export async function allowRelaxedSimd(): Promise<boolean> {
  return false;
}
