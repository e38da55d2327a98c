// The worker_threads entry (Node; dist/worker-node.js): the same Executor as worker.ts, over the parent port.
import { expose } from 'comlink';
import { Executor } from './executor.js';
import { parentEndpoint } from './io/node-worker.js';
import { programs } from './programs.js';

expose(new Executor(programs), parentEndpoint());
