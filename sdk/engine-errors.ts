// How the engine words running out of memory: the advice closing an allocation failure, and the error for an
// engine that cannot even start.
import { GaussfaceError } from './errors.js';

/**
 * The advice closing an out-of-engine-memory error. It fits the models that can stream their rows; one that
 * cannot (K-Means) replaces it with its own (the exact text is the hook, also across the worker boundary).
 */
export const STREAM_ADVICE = 'Process the data in smaller chunks (pool datasets stream by rows) or reduce the problem size.';

/**
 * An engine that cannot start for lack of memory: an ENOMEM error with what to change. Each instance reserves
 * about 10 GiB of address space up front (its 4 GiB memory and V8's guard regions, which spare it bounds
 * checks), so a virtual-memory limit (`ulimit -v`) of tens of GiB stops a pool long before RAM runs out.
 * Anything else passes through unchanged.
 */
export function startFailure(e: unknown, step: 'compile' | 'instantiate'): unknown {
  if (!(e instanceof RangeError) || !/out of memory|cannot allocate/i.test(e.message)) return e;
  return new GaussfaceError(
    `cannot start a WebAssembly engine (${step}): out of memory (${e.message}). Each engine instance — one in ` +
      `this thread and one per pool worker — reserves about 10 GiB of virtual address space: under a ` +
      `virtual-memory limit (ulimit -v) raise it to at least 10 GiB per instance or remove it, use fewer workers ` +
      `(Pool.create({ workers: 1 }) or { inline: true }), or in Node start with --disable-wasm-trap-handler ` +
      `(about 4 GiB per instance; the engine runs somewhat slower with explicit bounds checks).`,
    'ENOMEM',
  );
}
