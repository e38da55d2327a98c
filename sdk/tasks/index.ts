// The registry of tasks every executor can run. Each model adds its module here.
import type { Task } from '../executor.js';
import { debugTasks } from './debug.js';
import { linalgTasks } from './linalg.js';
import { mixtureTasks } from './mixture.js';
import { mfaTasks } from './mfa.js';
import { kmeansTasks } from './kmeans.js';
import { pcaTasks } from './pca.js';
import { vaeTasks } from './vae.js';

export const tasks: Record<string, Task> = { ...linalgTasks, ...mixtureTasks, ...mfaTasks, ...kmeansTasks, ...pcaTasks, ...vaeTasks, ...debugTasks };
