// gaussface fit: images → PCA → mixture, saved as one model file.
import { generate, ImageModel, Matrix } from '../../dist/index.js';
import { flags, interruptible, progress, report, UsageError, writeAtomic } from '../common.mjs';
import { isHeldOut, loadData } from '../data.mjs';
import { DATA_HELP, DATA_OPTIONS, dataArgs, MODEL_HELP, MODEL_OPTIONS, modelArgs } from './shared-options.mjs';

export const summary = 'learn the distribution of a set of images and save the model';
export const help = `usage: gaussface fit --data SRC --out MODEL.safetensors [options]

${DATA_HELP}
${MODEL_HELP}
  --subset K        fit on the largest of K K-Means clusters of similar images (sharper results)
  --holdout         leave out every 5th image (rows i % 5 == 4) for gaussface evaluate
  --out FILE        the model file to write (safetensors)
  --json            print the result as JSON`;

/** The rows a --holdout fit trains on: all but i % 5 == 4 (the anchors' split). */
export function trainRows(X, held = false) {
  const keep = [];
  for (let i = 0; i < X.rows; i++) if (isHeldOut(i) === held) keep.push(i);
  const out = new Float32Array(keep.length * X.cols);
  keep.forEach((src, k) => out.set(X.row(src), k * X.cols));
  return new Matrix(keep.length, X.cols, out);
}

/** Loads data and runs the pipeline with progress; shared with demo. */
export async function fitImages(f, { json, signal, nSamples = 16, temperature = 1 }) {
  const bar = progress(!json);
  const d = dataArgs(f);
  // With --holdout only the training rows are decoded (no full set to copy them out of).
  const data = await loadData(f.data ?? 'synthetic', { ...d, rows: f.holdout ? (i) => !isHeldOut(i) : undefined, signal, onProgress: (i, n) => bar.update('images', i, n) });
  bar.done();
  const m = modelArgs(f);
  const subsetK = f.subset === undefined ? undefined : Number(f.subset);
  if (subsetK !== undefined && !(Number.isInteger(subsetK) && subsetK >= 2)) throw new UsageError(`--subset must be an integer ≥ 2, got '${f.subset}'`);
  const result = await generate(data.X, {
    ...m, subset: subsetK ? { clusters: subsetK } : undefined, nSamples, temperature, randomState: d.seed, signal,
    onProgress: (p) => bar.update(p.stage, p.done, p.total, p.detail ?? ''),
  });
  bar.done();
  const model = new ImageModel(data.spec, result.pca, result.model, { data: f.data ?? 'synthetic', images: String(data.X.rows), seed: String(d.seed), holdout: f.holdout ? 'i % 5 == 4' : 'none', created: new Date().toISOString() });
  return { data, result, model };
}

export async function run(argv) {
  const f = flags('fit', argv, { ...DATA_OPTIONS, ...MODEL_OPTIONS, subset: { type: 'string' }, holdout: { type: 'boolean' }, out: { type: 'string' } });
  if (f.help) return void console.log(help);
  if (!f.data) throw new UsageError('fit needs --data (a folder of images, or synthetic)');
  if (!f.out) throw new UsageError('fit needs --out MODEL.safetensors');
  const { data, result, model } = await fitImages(f, { json: f.json, signal: interruptible() });
  await writeAtomic(f.out, model.toBytes());
  const out = {
    model: f.out, images: data.X.rows, image: data.spec, pcaComponents: result.pca.nComponentsFitted,
    explainedVariance: result.pca.explainedVarianceRatio.reduce((a, b) => a + b, 0), mixtureComponents: result.model.nComponents,
    covarianceType: result.model.covarianceType, converged: result.model.converged, selection: result.selection?.table,
  };
  report(f.json, out, [
    `fitted ${data.X.rows} images (${data.spec.width}×${data.spec.height}×${data.spec.channels}): PCA ${out.pcaComponents} components (${(100 * out.explainedVariance).toFixed(1)} % of variance), mixture of ${out.mixtureComponents} ${out.covarianceType} Gaussians`,
    `wrote ${f.out}`,
  ]);
}
