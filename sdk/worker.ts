// Worker entry: exposes one Executor (one engine instance) to the pool over comlink.
import { expose } from 'comlink';
import { Executor } from './executor.js';

const api = new Executor();
if (typeof (globalThis as any).WorkerGlobalScope !== 'undefined') {
  expose(api, globalThis as any);
} else {
  const { parentEndpoint } = await import('./io/node-worker.js');
  expose(api, parentEndpoint());
}
