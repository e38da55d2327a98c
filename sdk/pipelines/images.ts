// Clustering and anomaly detection on images with a fitted PCA + mixture.
import { asMatrix, type Matrix, type MatrixLike } from '../matrix.js';
import type { ImageModel } from './image-model.js';

export interface ImageClusters {
  /** Hard assignment of each image. */
  labels: Int32Array;
  /** Soft assignments (n × K). */
  proba: Matrix<Float32Array>;
}

/** Hard and soft cluster assignments of images under a model's mixture. */
export async function clusterImages(model: ImageModel, images: MatrixLike): Promise<ImageClusters> {
  const f = await model.pca.transform(asMatrix(images, 'images'));
  const proba = await model.gmm.predictProba(f);
  const labels = new Int32Array(proba.rows);
  for (let i = 0; i < proba.rows; i++) {
    const row = proba.row(i);
    labels[i] = row.indexOf(Math.max(...row));
  }
  return { labels, proba };
}

/** The `top` least likely images under the model (lowest log-likelihood first) with their scores. */
export async function anomalies(model: ImageModel, images: MatrixLike, top = 16): Promise<{ indices: Int32Array; scores: Float64Array; all: Float64Array }> {
  const f = await model.pca.transform(asMatrix(images, 'images'));
  const all = await model.gmm.scoreSamples(f);
  const order = Array.from(all.keys()).sort((a, b) => all[a] - all[b]).slice(0, top);
  return { indices: Int32Array.from(order), scores: Float64Array.from(order, (i) => all[i]), all };
}
