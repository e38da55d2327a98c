// The table of tasks every executor can run. Each model adds its module here; model code passes the entries
// (`tasks.kmeans.lloyd`) to pool.map, which sends their names.
import type { TaskDef } from './define.js';
import { debugTasks } from './debug.js';
import { linalgTasks } from './linalg.js';
import { mixtureTasks } from './mixture.js';
import { mfaTasks } from './mfa.js';
import { kmeansTasks } from './kmeans.js';
import { pcaTasks } from './pca.js';
import { vaeTasks } from './vae.js';

export const tasks = { linalg: linalgTasks, mixture: mixtureTasks, kmeans: kmeansTasks, pca: pcaTasks, vae: vaeTasks, mfa: mfaTasks, debug: debugTasks };

/** The executors' look-up by the name a call carries. */
export const taskByName = new Map<string, TaskDef>();
for (const group of Object.values(tasks))
  for (const def of Object.values(group) as TaskDef[]) {
    if (taskByName.has(def.name)) throw new Error(`two tasks are named "${def.name}"`);
    taskByName.set(def.name, def);
  }
