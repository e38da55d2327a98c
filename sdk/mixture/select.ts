// Model selection: fit a grid of (covariance type, number of components) on data sent to the pool once, and
// rank the fits by BIC, AIC or K-fold held-out log-likelihood — the sweep the face and flower notebooks do by hand.
import { GaussfaceError } from '../errors.js';
import { kFoldSplits, takeRows } from '../folds.js';
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';
import { Dataset, getPool, type Pool } from '../pool.js';
import { Random } from '../random.js';
import { COVARIANCE_TYPES, type CovarianceType } from './covariance.js';
import { GaussianMixture, type GaussianMixtureOptions } from './gmm.js';

export interface SelectOptions extends Omit<GaussianMixtureOptions, 'nComponents' | 'covarianceType'> {
  /** Numbers of components to try (default 1, 2, 4, 8, 16). */
  candidates?: number[];
  /** Covariance types to try (default ['full']). */
  covarianceTypes?: CovarianceType[];
  /**
   * Which criterion picks the best model (default 'bic'): 'bic' or 'aic' (lowest wins), or 'cv' — the highest
   * mean held-out log-likelihood over `folds` K-fold splits (each fold fitted on the other folds' rows).
   */
  criterion?: 'bic' | 'aic' | 'cv';
  /** Folds of the held-out criterion (default 5); given with 'bic'/'aic', the table gets the CV column too. */
  folds?: number;
  /** Called after each fit with the row just computed. */
  onFit?: (row: SelectionRow, done: number, total: number) => void;
}

/** One fitted candidate. */
export interface SelectionRow {
  nComponents: number;
  covarianceType: CovarianceType;
  bic: number;
  aic: number;
  lowerBound: number;
  nIter: number;
  converged: boolean;
  /** With cross-validation: mean over the folds of the held-out mean log-likelihood per sample (higher is better). */
  cv?: number;
  /** With cross-validation: each fold's held-out mean log-likelihood per sample. */
  cvFolds?: number[];
}

export interface Selection {
  /** Every candidate, in the order tried. */
  table: SelectionRow[];
  /** The row with the lowest BIC/AIC, or the highest CV score. */
  bestRow: SelectionRow;
  /** The fitted model of that row. */
  best: GaussianMixture;
}

/** Each fold's training and held-out rows, uploaded once for the sweep, fold f kept whole in worker f mod size. */
interface HeldOut {
  train: Dataset;
  test: Dataset;
}

async function uploadFolds(pool: Pool, X: Matrix<Float32Array>, folds: number, seed: number, signal?: AbortSignal): Promise<HeldOut[]> {
  const out: HeldOut[] = [];
  try {
    for (const [f, split] of kFoldSplits(X.rows, folds, seed).entries()) {
      const put = (rows: Int32Array) => {
        const m = takeRows(X, rows);
        return pool.upload(m.data, m.rows, m.cols, { oneWorker: true, worker: f, signal });
      };
      out.push({ train: await put(split.train), test: await put(split.test) });
    }
    return out;
  } catch (e) {
    await releaseFolds(pool, out);
    throw e;
  }
}

const releaseFolds = (pool: Pool, folds: HeldOut[]) => Promise.all(folds.flatMap((f) => [pool.release(f.train), pool.release(f.test)]));

/** Whether `row` beats `best` under the criterion (ties keep the earlier row). */
const beats = (row: SelectionRow, best: SelectionRow | undefined, criterion: 'bic' | 'aic' | 'cv') =>
  !best || (criterion === 'cv' ? row.cv! > best.cv! : row[criterion] < best[criterion]);

/**
 * Fits every candidate and returns the table of BIC/AIC (and CV) scores and the best model, fitted on all of X.
 * With `criterion: 'cv'` every candidate is also fitted on each fold's training rows and scored on its held-out
 * rows; the folds run side by side, one per worker, and a seed gives the same table with any number of workers.
 *
 * ```js
 * import { selectComponents } from 'gaussface';
 * const { table, best } = await selectComponents(X, { candidates: [1, 2, 4, 8], covarianceTypes: ['full', 'diag'] });
 * const cv = await selectComponents(X, { candidates: [1, 2, 4, 8], criterion: 'cv', folds: 5, randomState: 0 });
 * console.log(cv.bestRow.nComponents, cv.table.map((r) => r.cv)); // mean held-out log-likelihood per sample
 * ```
 */
export async function selectComponents(X: MatrixLike | Dataset, opts: SelectOptions = {}): Promise<Selection> {
  const { candidates = [1, 2, 4, 8, 16], covarianceTypes = ['full'], criterion = 'bic', folds, onFit, ...base } = opts;
  if (!candidates.length || candidates.some((k) => !Number.isInteger(k) || k < 1))
    throw new GaussfaceError(`candidates must be a non-empty list of integers ≥ 1, got [${candidates.join(', ')}]`, 'EINPUT');
  const badType = covarianceTypes.find((t) => !COVARIANCE_TYPES.includes(t));
  if (badType) throw new GaussfaceError(`covarianceTypes: '${badType}' is not one of ${COVARIANCE_TYPES.join(', ')}`, 'EINPUT');
  if (criterion !== 'bic' && criterion !== 'aic' && criterion !== 'cv') throw new GaussfaceError(`criterion must be 'bic', 'aic' or 'cv', got '${criterion}'`, 'EINPUT');
  const withCv = criterion === 'cv' || folds !== undefined;
  const nFolds = folds ?? 5;
  if (withCv && !(Number.isInteger(nFolds) && nFolds >= 2)) throw new GaussfaceError(`folds must be an integer ≥ 2, got ${folds}`, 'EINPUT');
  const pool = base.pool ?? (await getPool());
  const given = X instanceof Dataset ? X : undefined;
  if (withCv && given && !(given.source instanceof Float32Array))
    throw new GaussfaceError("criterion 'cv' splits the rows into folds, so it needs them in memory: pass a matrix (or an uploaded dataset), not a stream", 'EINPUT');
  const m = given ? new Matrix(given.rows, given.cols, given.source as Float32Array) : asMatrix(X as MatrixLike, 'X', { minRows: 1, finite: false });
  const ds = given ?? (await pool.upload(m.data, m.rows, m.cols, { signal: base.signal }));
  try {
    // Every candidate must fit on the smallest training part: n − ⌈n / folds⌉ rows.
    const maxK = withCv ? ds.rows - Math.ceil(ds.rows / nFolds) : ds.rows;
    const usable = candidates.filter((k) => k <= maxK);
    if (!usable.length) throw new GaussfaceError(`every candidate exceeds the ${maxK} samples ${withCv ? 'of a training fold ' : ''}of X`, 'EINPUT');
    const heldOut = withCv ? await uploadFolds(pool, m, nFolds, base.randomState ?? Random.entropySeed(), base.signal) : [];
    try {
      const table: SelectionRow[] = [];
      let best: GaussianMixture | undefined;
      let bestRow: SelectionRow | undefined;
      const total = usable.length * covarianceTypes.length;
      for (const covarianceType of covarianceTypes)
        for (const nComponents of usable) {
          const fit = (data: Dataset) => new GaussianMixture({ ...base, pool, nComponents, covarianceType }).fit(data);
          // The full fit and the folds' fits side by side: each is its own seeded computation, so the order in
          // which the workers take their steps changes nothing.
          const [gm, cvFolds] = await Promise.all([fit(ds), Promise.all(heldOut.map(async (f) => (await fit(f.train)).score(f.test)))]);
          const row: SelectionRow = { nComponents, covarianceType, bic: await gm.bic(ds), aic: await gm.aic(ds), lowerBound: gm.lowerBound, nIter: gm.nIter, converged: gm.converged };
          if (withCv) Object.assign(row, { cv: cvFolds.reduce((a, b) => a + b, 0) / cvFolds.length, cvFolds });
          table.push(row);
          if (beats(row, bestRow, criterion)) [best, bestRow] = [gm, row];
          onFit?.(row, table.length, total);
        }
      return { table, bestRow: bestRow!, best: best! };
    } finally {
      await releaseFolds(pool, heldOut);
    }
  } finally {
    if (!given) await pool.release(ds);
  }
}
