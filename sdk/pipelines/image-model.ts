// One file holds a whole image generator: the image format it was trained on, the PCA, the mixture and
// where it came from — so `sample` needs nothing else. Stored as safetensors (numpy/PyTorch can open it).
import { GaussfaceError } from '../errors.js';
import { checkSampleCount } from '../sample-limit.js';
import { Matrix } from '../matrix.js';
import { MixtureOfFactorAnalyzers } from '../mfa/mfa.js';
import { GaussianMixture } from '../mixture/gmm.js';
import { enumField, intField } from '../model-state.js';
import { PCA } from '../pca.js';
import type { Pool } from '../pool.js';
import { decodeSafetensors, encodeSafetensors, type FileBytes } from '../safetensors.js';
import type { MatrixLike } from '../matrix.js';
import { pixelLogDensity, type PixelScores } from './pixel-density.js';

export const IMAGE_MODEL_FORMAT = 'gaussface-image-gmm';
export const IMAGE_MODEL_VERSION = '1';
/** Files of a mixture of factor analysers (`model.kind` = 'mfa') are version 2, so older readers refuse them by name. */
const MFA_MODEL_VERSION = '2';

/** What generates the images: PCA then a Gaussian mixture, or a mixture of factor analysers on the pixels. */
export type ImageModelKind = 'pca-gmm' | 'mfa';

/** The pixel layout of the images a model was trained on (rows are height × width × channels, HWC). */
export interface ImageSpec {
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * A loaded model's values must lie where images (pixels in [0, 1]) can take them: the PCA mean in [0, 1], and
 * the mixture means within the projections' reach (‖x − mean‖ ≤ √pixels, ÷ √variance when whitened). A corrupt
 * but finite value outside would give −∞ log-likelihoods, not an error.
 */
function checkReach(m: ImageModel): void {
  const broken = (why: string) => new GaussfaceError(`model file is inconsistent: ${why} — the file is corrupt`, 'EFORMAT');
  const mean = m.pca.mean;
  for (let i = 0; i < mean.length; i++) if (!(mean[i] >= -1e-6 && mean[i] <= 1 + 1e-6)) throw broken(`"pca.mean" has ${mean[i]} at pixel ${i}; pixel means lie in [0, 1]`);
  const [k, reach] = [m.pca.nComponentsFitted, Math.sqrt(mean.length)];
  const ev = m.pca.explainedVariance;
  const means = m.gmm.means.data;
  for (let i = 0; i < means.length; i++) {
    const limit = 2 * (m.pca.whiten ? reach / Math.sqrt(ev[i % k]) : reach);
    if (!(Math.abs(means[i]) <= limit)) throw broken(`"gmm.means" has ${means[i]} at index ${i}; projections of images reach at most ${limit.toPrecision(3)}`);
  }
}

/**
 * An image generator with the image format and free-form provenance: PCA + Gaussian mixture
 * (`new ImageModel(spec, pca, gmm, info)`), or a mixture of factor analysers on the pixels
 * (`new ImageModel(spec, mfa, info)`; `kind` says which).
 */
export class ImageModel {
  readonly kind: ImageModelKind;
  readonly info: Record<string, string>;
  private readonly pca_?: PCA;
  private readonly gmm_?: GaussianMixture;
  /** The mixture of factor analysers of an 'mfa' model. */
  readonly mfa?: MixtureOfFactorAnalyzers;

  constructor(spec: ImageSpec, pca: PCA, gmm: GaussianMixture, info?: Record<string, string>);
  constructor(spec: ImageSpec, mfa: MixtureOfFactorAnalyzers, info?: Record<string, string>);
  constructor(
    readonly spec: ImageSpec,
    model: PCA | MixtureOfFactorAnalyzers,
    gmmOrInfo?: GaussianMixture | Record<string, string>,
    info: Record<string, string> = {},
  ) {
    const pixels = spec.width * spec.height * spec.channels;
    if (model instanceof MixtureOfFactorAnalyzers) {
      this.kind = 'mfa';
      this.mfa = model;
      this.info = (gmmOrInfo as Record<string, string> | undefined) ?? {};
      if (model.nFeaturesIn !== pixels) throw new GaussfaceError(`the mixture of factor analysers was fitted on ${model.nFeaturesIn} values per image, but ${spec.width}×${spec.height}×${spec.channels} images have ${pixels}`, 'ESHAPE');
      return;
    }
    const [pca, gmm] = [model, gmmOrInfo as GaussianMixture];
    this.kind = 'pca-gmm';
    [this.pca_, this.gmm_, this.info] = [pca, gmm, info];
    if (pca.mean.length !== pixels) throw new GaussfaceError(`the PCA was fitted on ${pca.mean.length} values per image, but ${spec.width}×${spec.height}×${spec.channels} images have ${pixels}`, 'ESHAPE');
    if (gmm.means.cols !== pca.nComponentsFitted) throw new GaussfaceError(`the mixture has ${gmm.means.cols} features but the PCA keeps ${pca.nComponentsFitted}`, 'ESHAPE');
  }

  /** The PCA of a 'pca-gmm' model. */
  get pca(): PCA {
    if (!this.pca_) throw new GaussfaceError('this image model is a mixture of factor analysers on the pixels: it has no PCA (see model.mfa)', 'EINPUT');
    return this.pca_;
  }

  /** The Gaussian mixture (in PCA space) of a 'pca-gmm' model. */
  get gmm(): GaussianMixture {
    if (!this.gmm_) throw new GaussfaceError('this image model is a mixture of factor analysers on the pixels: it has no PCA-space Gaussian mixture (see model.mfa)', 'EINPUT');
    return this.gmm_;
  }

  /**
   * n new images (n × pixels, clipped to [0, 1]) and the component each came from. A mixture of factor analysers
   * draws μ + Λz, without its per-pixel noise (white noise on every pixel is not part of what a face looks like).
   */
  async sample(n: number, opts: { temperature?: number; randomState?: number; shuffle?: boolean } = {}): Promise<{ images: Matrix<Float32Array>; labels: Int32Array }> {
    checkSampleCount('sample', n, this.spec.width * this.spec.height * this.spec.channels);
    const drawn = this.mfa ? await this.mfa.sample(n, { shuffle: true, noise: false, ...opts }) : await this.gmm.sample(n, { shuffle: true, ...opts });
    const images = this.mfa ? new Matrix(n, drawn.X.cols, Float32Array.from(drawn.X.data)) : await this.pca.inverseTransform(drawn.X);
    for (let i = 0; i < images.data.length; i++) images.data[i] = Math.min(1, Math.max(0, images.data[i]));
    return { images, labels: drawn.labels };
  }

  /**
   * The log-likelihood of each image (rows of pixels in [0, 1], HWC) in pixel space: the mixture's density of
   * its PCA projection times probabilistic PCA's isotropic Gaussian (variance `pca.noiseVariance`) on the
   * directions the PCA discards. `perPixel` divides by the number of values per image (nats per pixel), the
   * figure to compare models of the same images with, whatever their PCA sizes.
   *
   * ```js
   * const { perPixel } = await model.scoreSamples(heldOutImages);
   * ```
   */
  async scoreSamples(images: MatrixLike, opts: { signal?: AbortSignal } = {}): Promise<PixelScores> {
    if (!this.mfa) return pixelLogDensity(this.pca, this.gmm, images, { pool: this.gmm.options.pool, ...opts });
    // A mixture of factor analysers is a density on the pixels already.
    const logLikelihood = await this.mfa.scoreSamples(images);
    const D = this.mfa.nFeaturesIn;
    return { logLikelihood, perPixel: logLikelihood.map((v) => v / D), residual: false };
  }

  /** Mean log-likelihood of the images in pixel space: per pixel, per image (nats) and the number of images. */
  async score(images: MatrixLike, opts: { signal?: AbortSignal } = {}): Promise<{ logLikelihoodPerPixel: number; logLikelihoodPerImage: number; n: number }> {
    const { logLikelihood } = await this.scoreSamples(images, opts);
    let total = 0;
    for (const v of logLikelihood) total += v;
    const n = logLikelihood.length;
    const pixels = this.spec.width * this.spec.height * this.spec.channels;
    return { logLikelihoodPerPixel: total / n / pixels, logLikelihoodPerImage: total / n, n };
  }

  /** The safetensors bytes of the whole pipeline. */
  toBytes(): Uint8Array {
    const parts = this.mfa ? [this.mfa.toState()] : [this.pca.toState(), this.gmm.toState()];
    const info = Object.fromEntries(Object.entries(this.info).map(([k, v]) => [`info.${k}`, v]));
    const kind = this.mfa ? { version: MFA_MODEL_VERSION, 'model.kind': this.kind } : { version: IMAGE_MODEL_VERSION };
    return encodeSafetensors(Object.assign({}, ...parts.map((p) => p.tensors)), {
      format: IMAGE_MODEL_FORMAT, ...kind,
      'image.width': String(this.spec.width), 'image.height': String(this.spec.height), 'image.channels': String(this.spec.channels),
      ...Object.assign({}, ...parts.map((p) => p.metadata)), ...info,
    });
  }

  /** Reads a model file (a Uint8Array, a Node Buffer or an ArrayBuffer), validating the format, every tensor and their agreement before use. */
  static fromBytes(bytes: FileBytes, opts: { pool?: Pool } = {}): ImageModel {
    const { tensors, metadata } = decodeSafetensors(bytes);
    if (metadata.format !== IMAGE_MODEL_FORMAT)
      throw new GaussfaceError(`not a gaussface image model (format is ${JSON.stringify(metadata.format ?? null)}, expected "${IMAGE_MODEL_FORMAT}")`, 'EFORMAT');
    const mfa = metadata.version === MFA_MODEL_VERSION && metadata['model.kind'] === 'mfa';
    if (metadata.version !== IMAGE_MODEL_VERSION && !mfa)
      throw new GaussfaceError(`image model version ${metadata.version} (kind ${JSON.stringify(metadata['model.kind'] ?? 'pca-gmm')}) is not supported by this gaussface (reads version ${IMAGE_MODEL_VERSION}, and ${MFA_MODEL_VERSION} with model.kind "mfa")`, 'EFORMAT');
    const spec: ImageSpec = {
      width: intField(metadata, 'image.width', 1, 16384),
      height: intField(metadata, 'image.height', 1, 16384),
      channels: enumField(metadata, 'image.channels', ['1', '3'] as const) === '1' ? 1 : 3,
    };
    const info = Object.fromEntries(Object.entries(metadata).filter(([k]) => k.startsWith('info.')).map(([k, v]) => [k.slice(5), v]));
    try {
      if (mfa) return new ImageModel(spec, MixtureOfFactorAnalyzers.fromState(tensors, metadata, 'mfa.', opts), info);
      const model = new ImageModel(spec, PCA.fromState(tensors, metadata, 'pca.', opts), GaussianMixture.fromState(tensors, metadata, 'gmm.', opts), info);
      checkReach(model);
      return model;
    } catch (e) {
      // A setting the file holds that the constructors refuse is a broken file, not the caller's input.
      if (e instanceof GaussfaceError && (e.code === 'ESHAPE' || e.code === 'EINPUT')) throw new GaussfaceError(`model file is inconsistent: ${e.message}`, 'EFORMAT');
      throw e;
    }
  }
}
