// An executor in the calling thread, for work too small to be worth a message to a worker, and for the
// float64 parameter maths of the models. It runs the same tasks on the same kernels as the pool's workers,
// so its results are bit-identical to theirs.
import type { Engine } from './engine.js';
import { compileEngine } from './engine-builds.js';
import { Executor } from './executor.js';
import type { TaskDef } from './tasks/define.js';

let local: Promise<Executor> | undefined;
let nextLocalId = 2 ** 30; // far above the pool's dataset ids, which count up from 1

function localExecutor(): Promise<Executor> {
  local ??= compileEngine().then(async (m) => {
    const ex = new Executor();
    await ex.init(m);
    return ex;
  });
  return local;
}

/** The calling thread's engine. */
export async function localEngine(): Promise<Engine> {
  return (await localExecutor()).engine;
}

/** Runs `task` over `rows × cols` rows held as one chunk in an in-thread engine. */
export async function runLocal<P, R>(task: TaskDef<P, R[]>, data: Float32Array, rows: number, cols: number, params: P): Promise<R> {
  const ex = await localExecutor();
  const id = nextLocalId++;
  ex.put(id, 0, 0, data, cols);
  try {
    return (ex.run(task.name, id, [0], params) as R[])[0];
  } finally {
    ex.drop(id);
  }
}
