// @ts-check
// gaussface cluster: hard and soft assignments of images, and a grid of each cluster.
import { join } from 'node:path';
import { clusterImages } from 'gaussface';
import { flags, gridPng, interruptible, MODEL_FILE_OPTION, modelFile, report, UsageError, writeAtomic } from '../common.mjs';
import { loadData } from '../data.mjs';
import { fitImages } from './fit.mjs';
import { readModel } from './sample.mjs';
import { DATA_HELP, DATA_OPTIONS, MODEL_HELP, MODEL_OPTIONS, dataArgs, outHelp } from './shared-options.mjs';

export const summary = 'cluster images (hard and soft) and write a grid per cluster';
export const help = `usage: gaussface cluster [MODEL] --data SRC --out DIR [options]

  MODEL             use this model file's mixture (or --model MODEL; else one is fitted on --data)
${DATA_HELP}
${MODEL_HELP}
${outHelp('DIR', 'cluster_K.png grids and assignments.json (label and probabilities per image)')}
  --json            print the result as JSON`;

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('cluster', argv, { ...DATA_OPTIONS, ...MODEL_OPTIONS, ...MODEL_FILE_OPTION, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  if (!f.data) throw new UsageError('cluster needs --data SRC');
  if (!f.out) throw new UsageError('cluster needs --out DIR');
  const file = modelFile(f, 'cluster');
  const signal = interruptible();
  const fitted = file ? { model: await readModel(file), data: await loadData(f.data, { ...dataArgs(f), signal }) } : await fitImages(f, { json: f.json, signal });
  const { model, data } = fitted;
  const { labels, proba } = await clusterImages(model, data.X);
  const K = model.gmm.nComponents;
  const sizes = new Array(K).fill(0);
  labels.forEach((l) => sizes[l]++);
  for (let k = 0; k < K; k++) {
    const members = [];
    labels.forEach((l, i) => l === k && members.length < 32 && members.push(data.X.row(i)));
    if (members.length) await writeAtomic(join(f.out, `cluster_${k}.png`), await gridPng(members, { ...model.spec, cols: 8 }));
  }
  const rows = Array.from(labels, (l, i) => ({ image: data.files[i] ?? i, label: l, proba: Array.from(proba.row(i), (p) => Number(p.toFixed(4))) }));
  await writeAtomic(join(f.out, 'assignments.json'), JSON.stringify(rows, null, 1));
  report(f.json, { out: f.out, clusters: K, sizes }, [`${data.X.rows} images in ${K} clusters (sizes ${sizes.join(', ')}); wrote ${f.out}/`]);
}
