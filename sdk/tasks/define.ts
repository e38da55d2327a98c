// How a task is declared: its own module, so that the task modules and the executor that runs them do not
// import each other.
import type { TaskContext } from '../executor.js';

/**
 * A task, by the name the pool sends to the executors, with its parameter type `P` and what one run returns, `R`:
 * one result per chunk (in the order of `ctx.chunks`) for `pool.map`, a single value for a broadcast. Per-call
 * set-up (copying parameters into the engine once) happens before the loop over chunks. Made by `defineTask` and
 * listed in tasks/index.ts, so that `pool.map(tasks.kmeans.lloyd, ds, params)` checks `params` and types its result.
 */
export interface TaskDef<P = any, R = unknown> {
  readonly name: string;
  readonly run: (ctx: TaskContext, params: P) => R;
}

/** A task named `name` (unique; tasks/index.ts checks) running `run` in every executor. */
export const defineTask = <P, R>(name: string, run: (ctx: TaskContext, params: P) => R): TaskDef<P, R> => ({ name, run });
