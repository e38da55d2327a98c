// @ts-check
// gaussface select: the BIC/AIC table for a range of mixture sizes and covariance types.
import { lineChart, PCA, selectComponents, sideBySide } from 'gaussface';
import { flags, interruptible, num, progress, report, svgToPng, UsageError, warnOverParameterised, writeAtomic } from '../common.mjs';
import { loadData } from '../data.mjs';
import { DATA_HELP, DATA_OPTIONS, dataArgs } from './shared-options.mjs';

export const summary = 'compare mixture sizes and covariance types by BIC/AIC or held-out likelihood';
export const help = `usage: gaussface select --data SRC [options]

${DATA_HELP}
  --pca P           PCA size before the mixture (default 0.95 of the variance; 0 = none)
  --candidates LIST sizes to try (default 1,2,4,8,16,32)
  --types LIST      covariance types (default full; e.g. full,diag,tied,spherical)
  --criterion C     bic (default), aic, or cv: the highest mean held-out log-likelihood over K folds
  --folds N         folds of the held-out score (default 5; with bic/aic, adds the CV column)
  --plot FILE       also write the curve (.svg or .png; with CV, its curve in a second panel; missing folders
                    are created)
  --json            print the table as JSON`;

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('select', argv, { ...DATA_OPTIONS, pca: { type: 'string' }, candidates: { type: 'string' }, types: { type: 'string' }, criterion: { type: 'string' }, folds: { type: 'string' }, plot: { type: 'string' } });
  if (f.help) return void console.log(help);
  if (!f.data) throw new UsageError('select needs --data (a folder of images, or synthetic)');
  const signal = interruptible();
  const bar = progress(!f.json);
  const d = dataArgs(f);
  const data = await loadData(f.data, { ...d, signal, onProgress: (i, n) => bar.update('images', i, n) });
  bar.done();
  const pcaSize = num(f.pca, 'pca', { min: 0, fallback: 0.95 });
  const X = pcaSize ? await (await new PCA({ nComponents: pcaSize < 1 ? Math.min(200, data.X.rows - 1, data.X.cols) : pcaSize, randomState: d.seed, signal }).fit(data.X)).transform(data.X) : data.X;
  const criterion = /** @type {'bic' | 'aic' | 'cv'} */ (f.criterion ?? 'bic'); // the SDK names anything else
  const sel = await selectComponents(X, {
    candidates: f.candidates?.split(',').map((v) => num(v, 'candidates', { min: 1, int: true })) ?? [1, 2, 4, 8, 16, 32],
    covarianceTypes: /** @type {import('gaussface').CovarianceType[]} */ (f.types?.split(',') ?? ['full']), criterion, folds: num(f.folds, 'folds', { min: 2, int: true }), randomState: d.seed, signal, onWarning: () => {},
    onFit: (r, done, total) => bar.update('select', done, total, `${r.covarianceType} k=${r.nComponents}`),
  });
  bar.done();
  warnOverParameterised(sel.table, X.rows, X.cols);
  const withCv = sel.table[0].cv !== undefined;
  if (f.plot) {
    const types = [...new Set(sel.table.map((r) => r.covarianceType))];
    // One chart of the given criteria, a series per criterion and covariance type; the chosen model circled.
    const curves = (keys, label) => lineChart(keys.flatMap((key) => types.map((t) => {
      const rows = sel.table.filter((r) => r.covarianceType === t);
      const name = key === 'cv' ? `${sel.table[0].cvFolds?.length}-fold CV` : key.toUpperCase();
      return { name: `${name} ${t}`, x: rows.map((r) => r.nComponents), y: rows.map((r) => r[key]), highlight: rows.indexOf(sel.bestRow) };
    })), { title: label, xLabel: 'components (k)', yLabel: keys[0] === 'cv' ? 'held-out log-likelihood per sample' : keys.map((k) => k.toUpperCase()).join(' / '), logX: true });
    const svg = withCv ? sideBySide([curves(['bic', 'aic'], 'Model selection'), curves(['cv'], 'Held-out log-likelihood')]) : curves([criterion], 'Model selection');
    await writeAtomic(f.plot, f.plot.endsWith('.png') ? await svgToPng(svg) : svg);
  }
  const cvCell = (r) => (withCv ? `  ${r.cv.toFixed(4).padStart(10)}` : '');
  report(f.json, { table: sel.table, best: sel.bestRow }, [
    `type       k   BIC            AIC          ${withCv ? '  held-out LL' : ''}  iterations`,
    ...sel.table.map((r) => `${r.covarianceType.padEnd(10)} ${String(r.nComponents).padStart(2)}  ${r.bic.toFixed(1).padStart(13)}  ${r.aic.toFixed(1).padStart(13)}${cvCell(r)}  ${r.nIter}${r === sel.bestRow ? '   ← best' : ''}`),
  ]);
}
