// Model selection: fit a grid of (covariance type, number of components) on data sent to the pool once, and
// rank the fits by BIC or AIC — the sweep the face and flower notebooks do by hand.
import { GaussfaceError } from '../errors.js';
import { asMatrix, type MatrixLike } from '../matrix.js';
import { Dataset, getPool } from '../pool.js';
import { COVARIANCE_TYPES, type CovarianceType } from './covariance.js';
import { GaussianMixture, type GaussianMixtureOptions } from './gmm.js';

export interface SelectOptions extends Omit<GaussianMixtureOptions, 'nComponents' | 'covarianceType'> {
  /** Numbers of components to try (default 1, 2, 4, 8, 16). */
  candidates?: number[];
  /** Covariance types to try (default ['full']). */
  covarianceTypes?: CovarianceType[];
  /** Which criterion picks the best model (default 'bic'). */
  criterion?: 'bic' | 'aic';
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
}

export interface Selection {
  /** Every candidate, in the order tried. */
  table: SelectionRow[];
  /** The row with the lowest criterion. */
  bestRow: SelectionRow;
  /** The fitted model of that row. */
  best: GaussianMixture;
}

/**
 * Fits every candidate and returns the table of BIC/AIC scores and the best model.
 *
 * ```js
 * import { selectComponents } from 'gaussface';
 * const { table, best } = await selectComponents(X, { candidates: [1, 2, 4, 8], covarianceTypes: ['full', 'diag'] });
 * ```
 */
export async function selectComponents(X: MatrixLike | Dataset, opts: SelectOptions = {}): Promise<Selection> {
  const { candidates = [1, 2, 4, 8, 16], covarianceTypes = ['full'], criterion = 'bic', onFit, ...base } = opts;
  if (!candidates.length || candidates.some((k) => !Number.isInteger(k) || k < 1))
    throw new GaussfaceError(`candidates must be a non-empty list of integers ≥ 1, got [${candidates.join(', ')}]`, 'EINPUT');
  const badType = covarianceTypes.find((t) => !COVARIANCE_TYPES.includes(t));
  if (badType) throw new GaussfaceError(`covarianceTypes: '${badType}' is not one of ${COVARIANCE_TYPES.join(', ')}`, 'EINPUT');
  if (criterion !== 'bic' && criterion !== 'aic') throw new GaussfaceError(`criterion must be 'bic' or 'aic', got '${criterion}'`, 'EINPUT');
  const pool = base.pool ?? (await getPool());
  const given = X instanceof Dataset ? X : undefined;
  const m = given ? undefined : asMatrix(X as MatrixLike, 'X', { minRows: 1, finite: false });
  const ds = given ?? (await pool.upload(m!.data, m!.rows, m!.cols, { signal: base.signal }));
  const usable = candidates.filter((k) => k <= ds.rows);
  if (!usable.length) throw new GaussfaceError(`every candidate exceeds the ${ds.rows} samples of X`, 'EINPUT');
  try {
    const table: SelectionRow[] = [];
    let best: GaussianMixture | undefined;
    let bestRow: SelectionRow | undefined;
    const total = usable.length * covarianceTypes.length;
    for (const covarianceType of covarianceTypes)
      for (const nComponents of usable) {
        const gm = await new GaussianMixture({ ...base, pool, nComponents, covarianceType }).fit(ds);
        const row = { nComponents, covarianceType, bic: await gm.bic(ds), aic: await gm.aic(ds), lowerBound: gm.lowerBound, nIter: gm.nIter, converged: gm.converged };
        table.push(row);
        if (!bestRow || row[criterion] < bestRow[criterion]) [best, bestRow] = [gm, row];
        onFit?.(row, table.length, total);
      }
    return { table, bestRow: bestRow!, best: best! };
  } finally {
    if (!given) await pool.release(ds);
  }
}
