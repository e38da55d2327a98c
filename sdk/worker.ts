// Worker entry: exposes one Executor (one engine instance, with the whole-algorithm programs) to the pool over
// comlink.
import { expose } from 'comlink';
import { Executor } from './executor.js';
import { programs } from './programs.js';

const api = new Executor(programs);
if (typeof (globalThis as any).WorkerGlobalScope !== 'undefined') {
  expose(api, globalThis as any);
} else {
  const { parentEndpoint } = await import('./io/node-worker.js');
  expose(api, parentEndpoint());
}
