// @ts-check
// gaussface info: what a model file holds (an image model, or a VAE with its training curves).
import { decodeSafetensors, VAE_FORMAT } from 'gaussface';
import { flags, MODEL_FILE_OPTION, modelFile, readBytes, report, svgToPng, UsageError, writeAtomic } from '../common.mjs';
import { readModel } from './sample.mjs';
import { readVae, trainingChart } from './vae.mjs';

export const summary = 'describe a model file';
export const help = `usage: gaussface info MODEL.safetensors [--plot CURVES.svg|png] [--json]

  MODEL             an image model or VAE file (or --model MODEL)
  --plot FILE       for a VAE: its training curves (loss and held-out −ELBO per epoch; missing folders are created)
  --json            print the description as JSON`;

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('info', argv, { ...MODEL_FILE_OPTION, plot: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  const file = modelFile(f, 'info');
  if (!file) throw new UsageError('info needs a model file: gaussface info MODEL.safetensors');
  if (decodeSafetensors(await readBytes(file)).metadata.format === VAE_FORMAT) return describeVae(file, f);
  if (f.plot) throw new UsageError('--plot draws the training curves of a VAE file; this is an image model');
  const m = await readModel(file);
  if (m.mfa) return describeMfa(file, f, m.mfa, m);
  const evr = m.pca.explainedVarianceRatio.reduce((a, b) => a + b, 0);
  const out = { file, image: m.spec, pcaComponents: m.pca.nComponentsFitted, explainedVariance: evr, mixtureComponents: m.gmm.nComponents, covarianceType: m.gmm.covarianceType, weights: Array.from(m.gmm.weights), converged: m.gmm.converged, nIter: m.gmm.nIter, info: m.info };
  report(f.json, out, [
    `${file}: gaussface image model`,
    `  format    ${m.spec.width}×${m.spec.height}×${m.spec.channels} images`,
    `  PCA       ${out.pcaComponents} components (${(100 * evr).toFixed(1)} % of variance)`,
    `  mixture   ${out.mixtureComponents} ${out.covarianceType} Gaussians, ${out.nIter} EM iterations${out.converged ? '' : ' (not converged)'}`,
    ...Object.entries(m.info).map(([k, v]) => `  ${k.padEnd(9)} ${v}`),
  ]);
}

/**
 * @param {string} file
 * @param {{ json?: boolean }} f
 * @param {import('gaussface').MixtureOfFactorAnalyzers} x
 * @param {import('gaussface').ImageModel} m
 */
function describeMfa(file, f, x, m) {
  const out = { file, kind: 'mfa', image: m.spec, mixtureComponents: x.nComponents, factors: x.nFactors, noiseType: x.noiseType, parameters: x.nParameters(), weights: Array.from(x.weights), converged: x.converged, nIter: x.nIter, info: m.info };
  report(f.json, out, [
    `${file}: gaussface image model (mixture of factor analysers)`,
    `  format    ${m.spec.width}×${m.spec.height}×${m.spec.channels} images`,
    `  mixture   ${x.nComponents} components × ${x.nFactors} factors on the pixels, ${x.noiseType} noise; ${out.parameters.toLocaleString('en')} parameters`,
    `  fit       ${x.nIter} EM iterations${x.converged ? '' : ' (not converged)'}`,
    ...Object.entries(m.info).map(([k, v]) => `  ${k.padEnd(9)} ${v}`),
  ]);
}

/**
 * @param {string} file
 * @param {{ plot?: string, json?: boolean }} f
 */
async function describeVae(file, f) {
  const vae = await readVae(file);
  if (f.plot) await writeAtomic(f.plot, f.plot.endsWith('.png') ? await svgToPng(trainingChart(vae)) : trainingChart(vae));
  const { input, encoder, latent, likelihood = 'bernoulli' } = vae.config;
  const val = vae.validationHistory;
  const out = { file, config: vae.config, parameters: vae.parameterCount, steps: vae.steps, epochs: vae.history.length, loss: vae.history, validation: val, info: vae.info };
  const layers = encoder.map((l) => ('conv' in l ? `conv ${l.conv}` : `dense ${l.dense}`)).join(', ');
  report(f.json, out, [
    `${file}: gaussface VAE`,
    `  input     ${input.width}×${input.height}×${input.channels} images, ${likelihood} likelihood`,
    `  network   encoder ${layers || '(none)'} → z ${latent} → mirrored decoder; ${out.parameters.toLocaleString('en')} parameters`,
    `  training  ${out.epochs} epochs, ${out.steps} Adam steps${out.epochs ? `, last loss ${vae.history[vae.history.length - 1].toFixed(2)} nats per image` : ''}`,
    ...(val.length ? [`  held-out  best −ELBO ${Math.min(...val).toFixed(2)} at epoch ${val.indexOf(Math.min(...val)) + 1} of ${val.length}`] : []),
    ...Object.entries(vae.info).map(([k, v]) => `  ${k.padEnd(9)} ${v}`),
  ]);
}
