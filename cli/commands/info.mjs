// gaussface info: what a model file holds.
import { flags, report, UsageError } from '../common.mjs';
import { readModel } from './sample.mjs';

export const summary = 'describe a model file';
export const help = `usage: gaussface info MODEL.safetensors [--json]`;

export async function run(argv) {
  const f = flags('info', argv, {}, { positionals: 1 });
  if (f.help) return void console.log(help);
  if (!f._[0]) throw new UsageError('info needs a model file: gaussface info MODEL.safetensors');
  const m = readModel(f._[0]);
  const evr = m.pca.explainedVarianceRatio.reduce((a, b) => a + b, 0);
  const out = { file: f._[0], image: m.spec, pcaComponents: m.pca.nComponentsFitted, explainedVariance: evr, mixtureComponents: m.gmm.nComponents, covarianceType: m.gmm.covarianceType, weights: Array.from(m.gmm.weights), converged: m.gmm.converged, nIter: m.gmm.nIter, info: m.info };
  report(f.json, out, [
    `${f._[0]}: gaussface image model`,
    `  format    ${m.spec.width}×${m.spec.height}×${m.spec.channels} images`,
    `  PCA       ${out.pcaComponents} components (${(100 * evr).toFixed(1)} % of variance)`,
    `  mixture   ${out.mixtureComponents} ${out.covarianceType} Gaussians, ${out.nIter} EM iterations${out.converged ? '' : ' (not converged)'}`,
    ...Object.entries(m.info).map(([k, v]) => `  ${k.padEnd(9)} ${v}`),
  ]);
}
