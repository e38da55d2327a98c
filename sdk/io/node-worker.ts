// Node's side of the worker pool: worker_threads wrapped as comlink endpoints.
import { availableParallelism } from 'node:os';
import { Worker, parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import type { WorkerHandle } from '../spawn.js';

// Flags that make sense only for the main script (an inline -e program, its input type) break a worker.
const MAIN_ONLY_FLAG = /^(--input-type|--eval|-e|--print|-p)(=|$)/;

export function spawnNodeWorker(url: URL): WorkerHandle {
  const w = new Worker(url, { execArgv: process.execArgv.filter((a) => !MAIN_ONLY_FLAG.test(a)) });
  w.unref();
  let dead: ((reason: string) => void) | undefined;
  let exited = false;
  w.on('error', (err: Error) => dead?.(err?.message ?? String(err)));
  w.on('exit', (code) => {
    exited = true;
    dead?.(`worker exited with code ${code}`);
  });
  return {
    endpoint: nodeEndpoint(w as any),
    terminate: () => void w.terminate(),
    onDeath: (cb) => (dead = cb),
    setBusy: (busy) => {
      if (exited) return;
      if (busy) w.ref();
      else w.unref();
    },
  };
}

/** The worker side: the endpoint to the parent thread. */
export function parentEndpoint(): Endpoint {
  if (!parentPort) throw new Error('gaussface worker started outside a worker thread');
  return nodeEndpoint(parentPort as any);
}

export function nodeConcurrency(): number {
  return availableParallelism();
}
