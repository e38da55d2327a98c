// @ts-check
// gaussface anomalies: the least likely images under the model, with their log-likelihoods.
import { anomalies } from 'gaussface';
import { checkSheet, flags, gridPng, interruptible, MODEL_FILE_OPTION, modelFile, num, report, UsageError, writeAtomic } from '../common.mjs';
import { loadData } from '../data.mjs';
import { fitImages } from './fit.mjs';
import { readModel } from './sample.mjs';
import { DATA_HELP, DATA_OPTIONS, MODEL_HELP, MODEL_OPTIONS, dataArgs, outHelp } from './shared-options.mjs';

export const summary = 'find the least likely images (outliers) under the model';
export const help = `usage: gaussface anomalies [MODEL] --data SRC [--top N] [--out GRID.png] [options]

  MODEL             score with this model file (or --model MODEL; else one is fitted on --data)
${DATA_HELP}
${MODEL_HELP}
  --top N           how many (default 16)
${outHelp('FILE', 'grid of the outliers, least likely first')}
  --json            print the result as JSON`;

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('anomalies', argv, { ...DATA_OPTIONS, ...MODEL_OPTIONS, ...MODEL_FILE_OPTION, top: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  if (!f.data) throw new UsageError('anomalies needs --data SRC');
  const file = modelFile(f, 'anomalies');
  const signal = interruptible();
  const { model, data } = file ? { model: await readModel(file), data: await loadData(f.data, { ...dataArgs(f), signal }) } : await fitImages(f, { json: f.json, signal });
  const top = num(f.top, 'top', { min: 1, int: true, fallback: 16 });
  if (f.out) checkSheet(Math.min(top, data.X.rows), { ...model.spec, captions: [] }, 'top', 'lower --top (without --out, --json lists any number)');
  const r = await anomalies(model, data.X, Math.min(top, data.X.rows));
  if (f.out) await writeAtomic(f.out, await gridPng(Array.from(r.indices, (i) => data.X.row(i)), { ...model.spec, captions: Array.from(r.scores, (s) => s.toFixed(1)) }));
  const rows = Array.from(r.indices, (i, k) => ({ image: data.files[i] ?? i, logLikelihood: r.scores[k] }));
  report(f.json, { anomalies: rows }, rows.map((x) => `${x.logLikelihood.toFixed(2).padStart(12)}  ${x.image}`));
}
