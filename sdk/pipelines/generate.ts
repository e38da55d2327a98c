// The generation pipeline of the face and flower notebooks: images → PCA → (optional K-Means subset of similar
// images) → Gaussian mixture, its size chosen by BIC/AIC or given → samples → inverse PCA → images.
import { GaussfaceError } from '../errors.js';
import { checkSampleCount } from '../sample-limit.js';
import { KMeans } from '../kmeans.js';
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';
import type { CovarianceType } from '../mixture/covariance.js';
import { GaussianMixture } from '../mixture/gmm.js';
import { selectComponents, type Selection } from '../mixture/select.js';
import { PCA } from '../pca.js';
import { getPool, isChunkSource, type ChunkSource, type Pool } from '../pool.js';

/** Where a long pipeline is; `done`/`total` count the steps of the current stage. */
export interface PipelineProgress {
  stage: 'pca' | 'subset' | 'select' | 'fit' | 'sample';
  done: number;
  total: number;
  detail?: string;
}

export interface GenerateOptions {
  /** PCA components: an integer, or the fraction of variance to keep, at most 200 components (default 0.95). */
  pcaComponents?: number;
  /** Mixture size: an integer, or 'bic' / 'aic' / 'cv' (K-fold held-out likelihood) to choose among `candidates` (default 'bic'). */
  nComponents?: number | 'bic' | 'aic' | 'cv';
  /** Folds of the 'cv' choice (default 5). */
  folds?: number;
  /** Sizes tried when choosing (default 1, 2, 4, 8, 16, 32; sizes above the number of images are skipped). */
  candidates?: number[];
  covarianceType?: CovarianceType;
  /** Fit on one cluster of similar images only: K-Means with `clusters` clusters on the PCA features; the largest cluster unless `cluster` is given. */
  subset?: { clusters: number; cluster?: number };
  /** Number of images to generate (default 16). */
  nSamples?: number;
  /** Covariance scale of the sampler: below 1 gives sharper, less varied images (default 1). */
  temperature?: number;
  randomState?: number;
  pool?: Pool;
  signal?: AbortSignal;
  onProgress?: (p: PipelineProgress) => void;
}

export interface GenerateResult {
  /** nSamples × D generated images, clipped to [0, 1]. */
  images: Matrix<Float32Array>;
  /** The mixture's component of each generated image. */
  labels: Int32Array;
  pca: PCA;
  model: GaussianMixture;
  /** The BIC/AIC table when the size was chosen. */
  selection?: Selection;
  /** Indices of the images the model was fitted on when `subset` was used. */
  subset?: Int32Array;
  /** PCA features of the images the model was fitted on. */
  features: Matrix<Float32Array>;
}

/** Most components a variance fraction may keep: images are wide, and the exact d × d route would be slow. */
const MAX_FRACTION_COMPONENTS = 200;

/**
 * PCA with an integer size, or the smallest size reaching a fraction of the variance: a randomized sketch of
 * up to 200 components measures the variance curve, then the chosen size is fitted. The rows are uploaded once,
 * chunked for the first fit, and serve both fits and the projection: each upload would grow the workers' engine
 * memory, which never shrinks.
 */
async function fitPca(data: Matrix<Float32Array> | ChunkSource, want: number, opts: { randomState: number; pool: Pool; signal?: AbortSignal }): Promise<{ pca: PCA; features: Matrix<Float32Array> }> {
  const fraction = want > 0 && want < 1;
  const cap = Math.min(data.rows - 1, data.cols, MAX_FRACTION_COMPONENTS);
  const first = fraction ? new PCA({ nComponents: cap, svdSolver: data.cols > 500 ? 'randomized' : 'auto', ...opts }) : new PCA({ nComponents: want, ...opts });
  const upload = { chunkRows: first.fitChunkRows(data.rows, data.cols), signal: opts.signal, name: 'images' };
  const ds = await (data instanceof Matrix ? opts.pool.upload(data.data, data.rows, data.cols, upload) : opts.pool.upload(data, upload));
  try {
    let pca = await first.fit(ds);
    if (fraction) {
      let k = 0;
      for (let acc = 0; k < cap && acc < want; k++) acc += pca.explainedVarianceRatio[k];
      if (k < cap) pca = await new PCA({ nComponents: k, svdSolver: pca.fittedSolver, ...opts }).fit(ds);
    }
    return { pca, features: await pca.transform(ds) };
  } finally {
    await opts.pool.release(ds);
  }
}

/**
 * Learns the distribution of a set of images (rows of pixels in [0, 1]) and draws new ones. The images may be a
 * `ChunkSource` (e.g. `openImageFolder`): they are then decoded chunk by chunk into the workers, and this thread
 * never holds them all.
 *
 * ```js
 * import { generate, syntheticFaces } from 'gaussface';
 * const { X } = await syntheticFaces({ n: 400, seed: 1 });
 * const { images, selection } = await generate(X, { nSamples: 16, randomState: 0 });
 * ```
 */
export async function generate(X: MatrixLike | ChunkSource, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const data = isChunkSource(X) ? X : asMatrix(X, 'images', { minRows: 2 });
  if (data.rows < 2) throw new GaussfaceError(`images has ${data.rows} rows but at least 2 are needed`, 'ESHAPE');
  const { signal, randomState = 0, onProgress } = opts;
  const pool = opts.pool ?? (await getPool());
  const nSamples = opts.nSamples ?? 16;
  checkSampleCount('generate', nSamples, data.cols, 'nSamples'); // before the fits, not after
  onProgress?.({ stage: 'pca', done: 0, total: 1 });
  const { pca, features: all } = await fitPca(data, opts.pcaComponents ?? 0.95, { randomState, pool, signal });
  let features = all;
  onProgress?.({ stage: 'pca', done: 1, total: 1, detail: `${pca.nComponentsFitted} components` });

  let subset: Int32Array | undefined;
  if (opts.subset) {
    onProgress?.({ stage: 'subset', done: 0, total: 1 });
    const km = await new KMeans({ nClusters: opts.subset.clusters, randomState, pool, signal }).fit(features);
    const counts = new Int32Array(opts.subset.clusters);
    km.labels.forEach((l) => counts[l]++);
    const pick = opts.subset.cluster ?? counts.indexOf(Math.max(...counts));
    if (!(pick >= 0 && pick < opts.subset.clusters)) throw new GaussfaceError(`subset.cluster must be in [0, ${opts.subset.clusters}), got ${pick}`, 'EINPUT');
    subset = Int32Array.from(Array.from(km.labels).flatMap((l, i) => (l === pick ? [i] : [])));
    const d = features.cols;
    const rows = new Float32Array(subset.length * d);
    subset.forEach((src, i) => rows.set(features.row(src), i * d));
    features = new Matrix(subset.length, d, rows);
    onProgress?.({ stage: 'subset', done: 1, total: 1, detail: `cluster ${pick}: ${subset.length} images` });
  }

  const choose = opts.nComponents ?? 'bic';
  const base = { covarianceType: opts.covarianceType ?? 'full', randomState, pool, signal, onWarning: () => {} } as const;
  let model: GaussianMixture;
  let selection: Selection | undefined;
  if (typeof choose === 'number') {
    onProgress?.({ stage: 'fit', done: 0, total: 1 });
    model = await new GaussianMixture({ ...base, nComponents: choose }).fit(features);
    onProgress?.({ stage: 'fit', done: 1, total: 1 });
  } else {
    const candidates = (opts.candidates ?? [1, 2, 4, 8, 16, 32]).filter((k) => k <= features.rows);
    selection = await selectComponents(features, {
      ...base, candidates, covarianceTypes: [base.covarianceType], criterion: choose, folds: opts.folds,
      onFit: (row, done, total) => onProgress?.({ stage: 'select', done, total, detail: `k=${row.nComponents} ${choose}=${choose === 'cv' ? row.cv!.toFixed(3) : row[choose].toFixed(0)}` }),
    });
    model = selection.best;
  }

  onProgress?.({ stage: 'sample', done: 0, total: 1 });
  const drawn = await model.sample(nSamples, { temperature: opts.temperature ?? 1, randomState, shuffle: true });
  const images = await pca.inverseTransform(drawn.X);
  for (let i = 0; i < images.data.length; i++) images.data[i] = Math.min(1, Math.max(0, images.data[i]));
  onProgress?.({ stage: 'sample', done: 1, total: 1 });
  return { images, labels: drawn.labels, pca, model, selection, subset, features };
}
