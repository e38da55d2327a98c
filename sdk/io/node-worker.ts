// Node's side of the worker pool: worker_threads wrapped as comlink endpoints.
import { availableParallelism } from 'node:os';
import { Worker, parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import type { WorkerHandle } from '../spawn.js';

// Flags that make sense only for the main script (an inline -e program, its input type) break a worker.
const MAIN_ONLY_FLAG = /^(--input-type|--eval|-e|--print|-p)(=|$)/;

// The flags workers inherit: worker_threads also refuses per-process ones (V8's heap and GC flags such as
// --max-old-space-size and --expose-gc, --title, --stack-size …) with ERR_WORKER_INVALID_EXEC_ARGV. Which flags
// those are depends on the Node version, so the refused ones are taken from the error (which names them) and
// dropped once per process.
let inherited: string[] | undefined;

/** execArgv without `refused` flags; a flag given as `--flag value` takes its value with it. */
function withoutFlags(argv: string[], refused: Set<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (!refused.has(argv[i])) kept.push(argv[i]);
    else if (!argv[i].includes('=') && i + 1 < argv.length && !argv[i + 1].startsWith('-')) i++;
  }
  return kept;
}

function startWorker(url: URL): Worker {
  inherited ??= process.execArgv.filter((a) => !MAIN_ONLY_FLAG.test(a));
  for (;;) {
    try {
      return new Worker(url, { execArgv: inherited });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || !inherited.length) throw e;
      const named = (e as Error).message.replace(/^[^:]*:/, '').split(',').map((f) => f.trim());
      const kept = withoutFlags(inherited, new Set(named));
      inherited = kept.length < inherited.length ? kept : []; // an unreadable message: inherit nothing
    }
  }
}

export function spawnNodeWorker(url: URL): WorkerHandle {
  const w = startWorker(url);
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
