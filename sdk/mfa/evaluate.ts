// The honest evaluation of an image model (pipelines/evaluate.ts) for a mixture of factor analysers: its
// log-likelihood is in pixel space already, and the memorisation check measures distances in a PCA of the
// training images, as for a PCA + mixture model (pixel distances would count detail no sample can have).
import { type Matrix } from '../matrix.js';
import { PCA } from '../pca.js';
import type { Pool } from '../pool.js';
import { memorisation, type Evaluation } from '../pipelines/evaluate.js';
import type { ImageModel } from '../pipelines/image-model.js';

/** PCA size of the distance space: what the PCA + mixture models of the README keep for LFW. */
const DISTANCE_COMPONENTS = 100;

export async function evaluateMfa(model: ImageModel, T: Matrix<Float32Array>, H: Matrix<Float32Array>, opts: { nSamples?: number; randomState?: number; pool?: Pool; signal?: AbortSignal }): Promise<Evaluation> {
  const mfa = model.mfa!;
  const D = T.cols;
  const n = opts.nSamples ?? Math.min(200, H.rows);
  const { images } = await model.sample(n, { randomState: opts.randomState ?? 0 });
  const k = Math.min(DISTANCE_COMPONENTS, T.rows - 1, D);
  const pca = await new PCA({ nComponents: k, svdSolver: D > 500 ? 'randomized' : 'full', randomState: 0, pool: opts.pool, signal: opts.signal }).fit(T);
  const [ft, fh, fs] = [await pca.transform(T), await pca.transform(H), await pca.transform(images)];
  const [held, train] = [(await mfa.score(H)) / D, (await mfa.score(T)) / D];
  return {
    heldOutLogLikelihoodPerDim: held,
    trainLogLikelihoodPerDim: train,
    heldOutLogLikelihoodPerPixel: held,
    trainLogLikelihoodPerPixel: train,
    samples: images,
    ...(await memorisation(fs, fh, ft, opts)),
  };
}

