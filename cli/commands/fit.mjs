// @ts-check
// gaussface fit: images → PCA → mixture, saved as one model file.
import { generate, HOLDOUT_RULE, isHeldOut, ImageModel, MixtureOfFactorAnalyzers } from 'gaussface';
import { flags, interruptible, num, progress, report, UsageError, warnOverParameterised, writeAtomic } from '../common.mjs';
import { loadData, openData } from '../data.mjs';
import { DATA_HELP, DATA_OPTIONS, dataArgs, MODEL_HELP, MODEL_OPTIONS, modelArgs, outHelp } from './shared-options.mjs';

export const summary = 'learn the distribution of a set of images and save the model';
export const help = `usage: gaussface fit --data SRC --out MODEL.safetensors [options]

${DATA_HELP}
  --model M         pca-gmm (default): PCA, then a Gaussian mixture; mfa: a mixture of factor analysers on the
                    pixels (--components K, a number; --factors q; --noise diagonal|isotropic; --max-iter N)
${MODEL_HELP}
  --factors Q       mfa: latent factors per component (default 10)
  --noise T         mfa: diagonal (default) or isotropic (a mixture of probabilistic PCA)
  --max-iter N      mfa: EM iterations (default 100)
  --noise-floor F   mfa: every noise variance ≥ F × that pixel's variance (default 0; 0.01–0.03 raises the held-out
                    likelihood of models with many factors)
  --subset K        fit on the largest of K K-Means clusters of similar images (sharper results)
  --holdout         leave out every 5th image (rows ${HOLDOUT_RULE}) for gaussface evaluate
${outHelp('FILE', 'the model file to write (safetensors)')}
  --json            print the result as JSON`;

const str = { type: /** @type {const} */ ('string') };
const MFA_OPTIONS = { model: str, factors: str, noise: str, 'max-iter': str, 'noise-floor': str };

/**
 * The images a fit learns from (all, or the training rows with --holdout) and the provenance the model keeps.
 * With --holdout only the training rows are decoded (no full set to copy them out of).
 * @param {Record<string, any>} f the parsed flags
 * @param {{ json?: boolean, signal: AbortSignal }} opts
 */
async function trainingImages(f, { json, signal }) {
  const bar = progress(!json);
  const { d, opts } = trainingOptions(f, bar, signal);
  const data = await loadData(f.data ?? 'synthetic', opts);
  bar.done();
  return { data, d, provenance: provenanceOf(f, d, data.X.rows) };
}

/**
 * @param {Record<string, any>} f @param {ReturnType<typeof progress>} bar @param {AbortSignal} signal
 * @returns {{ d: ReturnType<typeof dataArgs>, opts: NonNullable<Parameters<typeof loadData>[1]> }}
 */
function trainingOptions(f, bar, signal) {
  const d = dataArgs(f);
  return { d, opts: { ...d, rows: f.holdout ? (i) => !isHeldOut(i) : undefined, signal, onProgress: (i, n) => bar.update('images', i, n) } };
}

/** @param {Record<string, any>} f @param {{ seed: number }} d @param {number} rows */
const provenanceOf = (f, d, rows) => ({ data: f.data ?? 'synthetic', images: String(rows), seed: String(d.seed), holdout: f.holdout ? HOLDOUT_RULE : 'none', created: new Date().toISOString() });

/**
 * `--model mfa`: a mixture of factor analysers on the pixels.
 * @param {Record<string, any>} f the parsed flags
 * @param {{ X: { cols: number } }} data
 * @param {{ json?: boolean, signal: AbortSignal, seed: number }} opts
 */
async function fitMfa(f, data, { json, signal, seed }) {
  if (f.subset !== undefined || f.pca !== undefined || f.candidates !== undefined || f.covariance !== undefined)
    throw new UsageError('--subset, --pca, --candidates and --covariance belong to the pca-gmm model; --model mfa takes --components K --factors Q --noise T --noise-floor F --max-iter N');
  const noiseType = f.noise ?? 'diagonal';
  if (!['diagonal', 'isotropic'].includes(noiseType)) throw new UsageError(`--noise must be diagonal or isotropic, got '${noiseType}'`);
  const bar = progress(!json);
  const maxIter = num(f['max-iter'], 'max-iter', { min: 0, int: true, fallback: 100 });
  const mfa = await new MixtureOfFactorAnalyzers({
    nComponents: num(f.components, 'components', { min: 1, int: true, fallback: 8 }), nFactors: num(f.factors, 'factors', { min: 1, int: true, fallback: 10 }),
    noiseType, maxIter, randomState: seed, signal, noiseFloor: num(f['noise-floor'], 'noise-floor', { min: 0, max: 0.99, fallback: 0 }),
    onProgress: (p) => bar.update('EM', p.iteration, maxIter, `${(p.lowerBound / data.X.cols).toFixed(4)} nats/pixel`),
  }).fit(/** @type {any} */ (data.X));
  bar.done();
  return mfa;
}

/**
 * Loads data and runs the pipeline with progress, warning about over-parameterised candidates; shared with
 * demo, augment, cluster and anomalies, which use the rows afterwards.
 * @param {Record<string, any>} f the parsed flags
 * @param {{ json?: boolean, signal: AbortSignal, nSamples?: number, temperature?: number }} opts
 */
export async function fitImages(f, opts) {
  const { data, d, provenance } = await trainingImages(f, opts);
  return { data, ...(await fitPcaGmm(f, data.X, data.spec, d, provenance, opts)) };
}

/**
 * The same fit, for a caller that needs only the model: a folder's images are decoded straight into the pool
 * (openData), never all held in this thread — `fit`'s peak memory is about the workers' copy of the rows.
 * @param {Record<string, any>} f the parsed flags
 * @param {{ json?: boolean, signal: AbortSignal }} opts
 */
export async function fitModelOnly(f, opts) {
  const bar = progress(!opts.json);
  const { d, opts: load } = trainingOptions(f, bar, opts.signal);
  const data = await openData(f.data ?? 'synthetic', load);
  const provenance = provenanceOf(f, d, data.rows);
  return { data, ...(await fitPcaGmm(f, data.images, data.spec, d, provenance, { ...opts, bar })) };
}

/**
 * @param {Record<string, any>} f @param {Parameters<typeof generate>[0]} images
 * @param {import('gaussface/node').ImageFolder['spec']} spec @param {ReturnType<typeof dataArgs>} d
 * @param {Record<string, string>} provenance
 * @param {{ json?: boolean, signal: AbortSignal, nSamples?: number, temperature?: number, bar?: ReturnType<typeof progress> }} opts
 */
async function fitPcaGmm(f, images, spec, d, provenance, { json, signal, nSamples = 16, temperature = 1, bar = progress(!json) }) {
  const m = modelArgs(f);
  const subsetK = f.subset === undefined ? undefined : Number(f.subset);
  if (subsetK !== undefined && !(Number.isInteger(subsetK) && subsetK >= 2)) throw new UsageError(`--subset must be an integer ≥ 2, got '${f.subset}'`);
  const result = await generate(images, {
    ...m, subset: subsetK ? { clusters: subsetK } : undefined, nSamples, temperature, randomState: d.seed, signal,
    onProgress: (p) => bar.update(p.stage, p.done, p.total, p.detail ?? ''),
  });
  bar.done();
  warnOverParameterised(result.selection?.table ?? [result.model], result.features.rows, result.features.cols);
  return { result, model: new ImageModel(spec, result.pca, result.model, provenance) };
}

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('fit', argv, { ...DATA_OPTIONS, ...MODEL_OPTIONS, ...MFA_OPTIONS, subset: { type: 'string' }, holdout: { type: 'boolean' }, out: { type: 'string' } });
  if (f.help) return void console.log(help);
  if (!f.data) throw new UsageError('fit needs --data (a folder of images, or synthetic)');
  if (!f.out) throw new UsageError('fit needs --out MODEL.safetensors');
  if (f.model !== undefined && f.model !== 'pca-gmm' && f.model !== 'mfa') throw new UsageError(`--model must be pca-gmm or mfa, got '${f.model}'`);
  const signal = interruptible();
  if (f.model === 'mfa') {
    const { data, d, provenance } = await trainingImages(f, { json: f.json, signal });
    const mfa = await fitMfa(f, data, { json: f.json, signal, seed: d.seed });
    await writeAtomic(f.out, new ImageModel(data.spec, mfa, provenance).toBytes());
    return reportMfa(f, data, mfa);
  }
  const { data, result, model } = await fitModelOnly(f, { json: f.json, signal });
  await writeAtomic(f.out, model.toBytes());
  const out = {
    model: f.out, images: data.rows, image: data.spec, pcaComponents: result.pca.nComponentsFitted,
    explainedVariance: result.pca.explainedVarianceRatio.reduce((a, b) => a + b, 0), mixtureComponents: result.model.nComponents,
    covarianceType: result.model.covarianceType, converged: result.model.converged, selection: result.selection?.table,
  };
  report(f.json, out, [
    `fitted ${data.rows} images (${data.spec.width}×${data.spec.height}×${data.spec.channels}): PCA ${out.pcaComponents} components (${(100 * out.explainedVariance).toFixed(1)} % of variance), mixture of ${out.mixtureComponents} ${out.covarianceType} Gaussians`,
    `wrote ${f.out}`,
  ]);
}

/**
 * @param {Record<string, any>} f
 * @param {{ X: { rows: number, cols: number }, spec: { width: number, height: number, channels: number } }} data
 * @param {MixtureOfFactorAnalyzers} m
 */
function reportMfa(f, data, m) {
  const out = {
    model: f.out, kind: 'mfa', images: data.X.rows, image: data.spec, mixtureComponents: m.nComponents, factors: m.nFactors, noiseType: m.noiseType,
    converged: m.converged, nIter: m.nIter, logLikelihoodPerPixel: m.lowerBound / data.X.cols,
  };
  report(f.json, out, [
    `fitted ${data.X.rows} images (${data.spec.width}×${data.spec.height}×${data.spec.channels}): mixture of ${m.nComponents} factor analysers, ${m.nFactors} factors each, ${m.noiseType} noise; ${m.nIter} EM iterations${m.converged ? '' : ' (not converged)'}, ${out.logLikelihoodPerPixel.toFixed(4)} nats per pixel on the training images`,
    `wrote ${f.out}`,
  ]);
}
