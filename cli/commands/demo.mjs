// @ts-check
// gaussface demo: the whole pipeline end to end, offline, on the built-in faces (or --data), written to a
// folder with images, plots, the model file and a report.
import { join } from 'node:path';
import { lineChart } from 'gaussface';
import { flags, gridPng, interruptible, num, report, svgToPng, writeAtomic } from '../common.mjs';
import { fitImages } from './fit.mjs';
import { DATA_HELP, DATA_OPTIONS, MODEL_HELP, MODEL_OPTIONS, outHelp, temperatureOf } from './shared-options.mjs';

export const summary = 'run the whole pipeline on the built-in faces (or --data) and write a report';
export const help = `usage: gaussface demo [--out DIR] [options]

${DATA_HELP.replace("or 'synthetic[:N]' (built-in faces)", "or 'synthetic[:N]' (default: synthetic:600)")}
${MODEL_HELP}
  --samples N       images to generate (default 16)
  --temperature T   covariance scale of the sampler in (0, 10] (default 1; 0.6 gives sharper faces)
${outHelp('DIR', 'output folder (default gaussface-demo)')}
  --json            print the result as JSON`;

/** Rows of PCA components rescaled to [0, 1] each, to show as images (eigenfaces). */
/**
 * @param {import('gaussface').PCA} pca
 * @param {number} count
 */
function eigenImages(pca, count) {
  const c = pca.components;
  return Array.from({ length: Math.min(count, c.rows) }, (_, i) => {
    const row = c.row(i);
    let [lo, hi] = [Infinity, -Infinity];
    for (const v of row) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    return Float32Array.from(row, (v) => (v - lo) / (hi - lo || 1));
  });
}

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('demo', argv, { ...DATA_OPTIONS, ...MODEL_OPTIONS, samples: { type: 'string' }, temperature: { type: 'string' }, out: { type: 'string' }, subset: { type: 'string' } });
  if (f.help) return void console.log(help);
  const out = f.out ?? 'gaussface-demo';
  const t0 = performance.now();
  const nSamples = num(f.samples, 'samples', { min: 1, max: 1024, int: true, fallback: 16 });
  const temperature = temperatureOf(f, 1);
  const { data, result, model } = await fitImages({ data: 'synthetic:600', ...f }, { json: f.json, signal: interruptible(), nSamples, temperature });
  const spec = data.spec;
  const { pca, model: gm, selection } = result;
  const files = {};
  const write = async (name, bytes) => {
    await writeAtomic(join(out, name), bytes);
    files[name] = name;
  };
  await write('samples.png', await gridPng(result.images, { ...spec, cols: Math.min(8, nSamples) }));
  await write('training.png', await gridPng(Array.from({ length: Math.min(16, data.X.rows) }, (_, i) => data.X.row(i)), { ...spec }));
  const means = await pca.inverseTransform(gm.means);
  await write('means.png', await gridPng(Array.from({ length: Math.min(32, means.rows) }, (_, i) => means.row(i).map((v) => Math.min(1, Math.max(0, v)))), { ...spec, cols: 8 }));
  await write('eigenfaces.png', await gridPng(eigenImages(pca, 16), { ...spec }));
  const evr = pca.explainedVarianceRatio;
  const cumulative = Array.from(evr).map(((s) => (v) => (s += v))(0));
  const variance = lineChart([{ name: 'cumulative explained variance', x: cumulative.map((_, i) => i + 1), y: cumulative }], { title: 'PCA', xLabel: 'components', yLabel: 'fraction of variance' });
  await write('variance.svg', variance);
  if (selection) {
    const ks = selection.table.map((r) => r.nComponents);
    const best = selection.table.indexOf(selection.bestRow);
    const bic = lineChart([
      { name: 'BIC', x: ks, y: selection.table.map((r) => r.bic), highlight: best },
      { name: 'AIC', x: ks, y: selection.table.map((r) => r.aic) },
    ], { title: 'Choosing the number of components', xLabel: 'components (k)', yLabel: 'criterion (lower is better)', logX: true });
    await write('bic.svg', bic);
    await write('bic.png', await svgToPng(bic));
  }
  await write('model.safetensors', model.toBytes());
  const seconds = (performance.now() - t0) / 1000;
  const md = [
    '# gaussface demo',
    '',
    `Data: ${f.data ?? 'synthetic:600'} — ${data.X.rows} images of ${spec.width}×${spec.height}×${spec.channels}.`,
    `PCA: ${pca.nComponentsFitted} components keep ${(100 * cumulative[cumulative.length - 1]).toFixed(1)} % of the variance (${pca.fittedSolver} solver).`,
    `Mixture: ${gm.nComponents} ${gm.covarianceType}-covariance Gaussians${selection ? ', chosen by BIC' : ''}; ${gm.nIter} EM iterations, ${gm.converged ? 'converged' : 'not converged'}.`,
    `Time: ${seconds.toFixed(1)} s.`,
    '',
    ...(selection ? ['| k | BIC | AIC | iterations |', '|---|---|---|---|', ...selection.table.map((r) => `| ${r.nComponents} | ${r.bic.toFixed(0)} | ${r.aic.toFixed(0)} | ${r.nIter} |`), '', '![BIC](bic.png)', ''] : []),
    '## Generated', '', '![samples](samples.png)', '',
    '## Training images', '', '![training](training.png)', '',
    '## Component means', '', '![means](means.png)', '',
    '## Eigenfaces', '', '![eigenfaces](eigenfaces.png)', '',
    `Model file: \`model.safetensors\` — \`npx gaussface sample ${join(out, 'model.safetensors')} -n 16 --out more.png\`.`,
    '',
  ].join('\n');
  await write('report.md', md);
  report(f.json, { out, seconds, images: data.X.rows, pcaComponents: pca.nComponentsFitted, mixtureComponents: gm.nComponents, selection: selection?.table, files: Object.keys(files) }, [
    `gaussface demo: ${data.X.rows} images → PCA ${pca.nComponentsFitted} → ${gm.nComponents} Gaussians${selection ? ' (BIC)' : ''} → ${nSamples} new images in ${seconds.toFixed(1)} s`,
    `wrote ${out}/: ${Object.keys(files).join(', ')}`,
  ]);
}
