// The programs a worker can run whole (Pool.solo): each model that has one adds it here.
import type { Program } from './pool.js';
import { kmeansPrograms } from './kmeans.js';
import { pcaPrograms } from './pca.js';

export const programs: Record<string, Program> = { ...kmeansPrograms, ...pcaPrograms };
