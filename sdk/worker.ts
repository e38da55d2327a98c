// The Web Worker entry (browsers, Deno; dist/worker.js, also embedded in the browser build): one Executor — one
// engine instance, with the whole-algorithm programs — exposed to the pool over comlink. Bundled on its own with
// no engine bytes: the pool posts it the compiled Module.
import { expose } from 'comlink';
import { Executor } from './executor.js';
import { programs } from './programs.js';

expose(new Executor(programs), globalThis as any);
