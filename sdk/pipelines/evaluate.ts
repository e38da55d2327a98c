// Honest evaluation of an image generator: held-out log-likelihood (per PCA dimension, and per pixel in pixel
// space, comparable across PCA sizes and models), and a memorisation check — are the generated images closer
// to the training set than unseen real images are?
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';
import { nearestNeighbours } from '../neighbours.js';
import type { Pool } from '../pool.js';
import { evaluateMfa } from '../mfa/evaluate.js';
import type { ImageModel } from './image-model.js';

export interface Evaluation {
  /** Mean log-likelihood per sample of the held-out features, divided by their dimension (nats; per pixel for an MFA model). */
  heldOutLogLikelihoodPerDim: number;
  trainLogLikelihoodPerDim: number;
  /** Mean log-likelihood of the held-out images in pixel space (`ImageModel.score`), nats per pixel. */
  heldOutLogLikelihoodPerPixel: number;
  trainLogLikelihoodPerPixel: number;
  /** Distance (in the model's PCA space) of each generated image to its nearest training image. */
  sampleToTrain: Float64Array;
  /** Distance (in the model's PCA space) of each held-out image to its nearest training image. */
  heldOutToTrain: Float64Array;
  medianSampleToTrain: number;
  medianHeldOutToTrain: number;
  /** The generated images and, for each, its nearest training image (for a side-by-side grid). */
  samples: Matrix<Float32Array>;
  nearestTrain: Int32Array;
}

const median = (a: Float64Array) => {
  const s = Float64Array.from(a).sort();
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Scores a fitted image model on training and held-out images (rows in [0, 1]) and compares nearest-neighbour
 * distances of `nSamples` generated images with those of the held-out images.
 */
export async function evaluate(model: ImageModel, train: MatrixLike, heldOut: MatrixLike, opts: { nSamples?: number; randomState?: number; pool?: Pool; signal?: AbortSignal } = {}): Promise<Evaluation> {
  const T = asMatrix(train, 'train');
  const H = asMatrix(heldOut, 'heldOut', { cols: T.cols });
  if (model.kind === 'mfa') return evaluateMfa(model, T, H, opts); // per pixel, distances in a PCA of T
  const k = model.pca.nComponentsFitted;
  const [ft, fh] = [await model.pca.transform(T), await model.pca.transform(H)];
  const n = opts.nSamples ?? Math.min(200, H.rows);
  const drawn = await model.gmm.sample(n, { randomState: opts.randomState ?? 0, shuffle: true });
  const images = await model.pca.inverseTransform(drawn.X);
  for (let i = 0; i < images.data.length; i++) images.data[i] = Math.min(1, Math.max(0, images.data[i]));
  // Distances in the model's PCA space: the generator cannot produce what PCA discards, so comparing pixels
  // would flatter the (smoother) samples; held-out images are projected the same way.
  return {
    heldOutLogLikelihoodPerDim: (await model.gmm.score(fh)) / k,
    trainLogLikelihoodPerDim: (await model.gmm.score(ft)) / k,
    heldOutLogLikelihoodPerPixel: (await model.score(H, opts)).logLikelihoodPerPixel,
    trainLogLikelihoodPerPixel: (await model.score(T, opts)).logLikelihoodPerPixel,
    samples: images,
    ...(await memorisation(drawn.X, fh, ft, opts)),
  };
}

/** The memorisation check on features: each sample's and each held-out row's nearest training row. */
export async function memorisation(samples: MatrixLike, heldOut: MatrixLike, train: MatrixLike, opts: { pool?: Pool; signal?: AbortSignal }) {
  const s = await nearestNeighbours(samples, train, opts);
  const h = await nearestNeighbours(heldOut, train, opts);
  return {
    sampleToTrain: s.distance,
    heldOutToTrain: h.distance,
    medianSampleToTrain: median(s.distance),
    medianHeldOutToTrain: median(h.distance),
    nearestTrain: s.index,
  };
}
