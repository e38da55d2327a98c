// Fault injection for the pool's failure-path tests: a worker that dies outside any call.
import type { TaskContext } from '../executor.js';
import { defineTask } from './define.js';

const crash = ({ chunks }: TaskContext) => {
  setTimeout(() => {
    throw new Error('deliberate crash (fault injection)');
  });
  return chunks.map(() => null);
};

export const debugTasks = {
  crash: defineTask('debug.crash', crash),
};
