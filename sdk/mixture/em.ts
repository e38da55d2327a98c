// The EM loop, written once for every covariance type (scikit-learn's BaseMixture.fit_predict): each
// iteration is one pass over the resident chunks (E-step + M-step statistics), reduced in chunk order.
import type { Engine } from '../engine.js';
import { GaussfaceError } from '../errors.js';
import type { Dataset, Pool } from '../pool.js';
import type { ChunkStats, EStepParams } from '../tasks/mixture.js';
import { eStepParams, mStep, reduceStats, type CovarianceType, type MixtureParams } from './covariance.js';
import { tasks } from '../tasks/index.js';

/** What `onProgress` receives after every EM iteration. */
export interface EMProgress {
  /** Which of the nInit runs (0-based). */
  init: number;
  /** Iteration number (1-based). */
  iteration: number;
  /** Mean log-likelihood per sample with the parameters before this iteration's M-step. */
  lowerBound: number;
  /** Change of the lower bound from the previous iteration. */
  change: number;
}

export interface EMSettings {
  type: CovarianceType;
  K: number;
  d: number;
  tol: number;
  regCovar: number;
  maxIter: number;
  /** Per-row weights dataset (same chunking as the data). */
  weights?: Dataset;
  /** Σ of the sample weights (the number of rows when unweighted). */
  totalWeight: number;
  signal?: AbortSignal;
  onProgress?: (p: EMProgress) => void;
  init: number;
}

export interface EMResult {
  params: MixtureParams;
  lowerBound: number;
  lowerBounds: number[];
  nIter: number;
  converged: boolean;
}

/**
 * The responsibility below which a row is left out of a component's scatter sum: all rows left out weigh less
 * than 2⁻²⁴ of an average row together, below f32 resolution of any component that holds a sample.
 */
export function minResponsibility(totalWeight: number, rows: number): number {
  return (2 ** -24 * totalWeight) / (rows * rows);
}

/**
 * Statistics of one pass: E-step with `params`, M-step sums around their means. `recycle`: the previous pass's
 * parts, once reduced — their buffers carry this pass's (see Pool.map), so EM's memory stays flat.
 */
export async function statsPass(pool: Pool, ds: Dataset, engine: Engine, s: EMSettings, params: MixtureParams, recycle?: ChunkStats[]): Promise<{ stats: ChunkStats; shift: Float64Array; parts: ChunkStats[] }> {
  const e: EStepParams = eStepParams(engine, s.type, s.K, s.d, params);
  const parts = await pool.map(
    tasks.mixture.step,
    ds,
    { ...e, shift: e.means, weightsId: s.weights?.id, minResp: minResponsibility(s.totalWeight, ds.rows) },
    { signal: s.signal, recycle },
  );
  return { stats: reduceStats(parts, engine), shift: Float64Array.from(e.means), parts };
}

/** Runs EM from `start` until the lower bound changes by less than tol, or maxIter iterations. */
export async function runEM(pool: Pool, ds: Dataset, engine: Engine, s: EMSettings, start: MixtureParams): Promise<EMResult> {
  let params = start;
  let lowerBound = -Infinity;
  const lowerBounds: number[] = [];
  let spent: ChunkStats[] | undefined;
  for (let iteration = 1; iteration <= s.maxIter; iteration++) {
    const { stats, shift, parts } = await statsPass(pool, ds, engine, s, params, spent);
    spent = parts;
    const prev = lowerBound;
    lowerBound = stats.loglik / s.totalWeight;
    if (!Number.isFinite(lowerBound))
      throw new GaussfaceError(
        `the log-likelihood became ${lowerBound} at iteration ${iteration}: some samples have zero density under every component; increase regCovar or scale the input data`,
        'ECOLLAPSE',
      );
    lowerBounds.push(lowerBound);
    params = mStep(engine, s.type, s.K, s.d, stats, shift, s.regCovar);
    const change = lowerBound - prev;
    s.onProgress?.({ init: s.init, iteration, lowerBound, change });
    if (Math.abs(change) < s.tol) return { params, lowerBound, lowerBounds, nIter: iteration, converged: true };
  }
  return { params, lowerBound, lowerBounds, nIter: s.maxIter, converged: false };
}
