// Tasks for tests: a worker that dies outside any call (fault injection), the size of a worker's engine memory.
import type { TaskContext } from '../executor.js';
import { defineTask } from './define.js';

const crash = ({ chunks }: TaskContext) => {
  setTimeout(() => {
    throw new Error('deliberate crash (fault injection)');
  });
  return chunks.map(() => null);
};

/** Bytes of the worker's engine memory (it only grows): for memory tests, through `pool.broadcast`. */
const engineBytes = ({ engine }: TaskContext) => engine.memory.buffer.byteLength;

export const debugTasks = {
  crash: defineTask('debug.crash', crash),
  engineBytes: defineTask('debug.engineBytes', engineBytes),
};
