// Fault injection for the pool's failure-path tests: a worker that dies outside any call.
import type { Task } from '../executor.js';

const crash: Task = ({ chunks }) => {
  setTimeout(() => {
    throw new Error('deliberate crash (fault injection)');
  });
  return chunks.map(() => null);
};

export const debugTasks: Record<string, Task> = { 'debug.crash': crash };
