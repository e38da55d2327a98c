// One file holds a whole image generator: the image format it was trained on, the PCA, the mixture and
// where it came from — so `sample` needs nothing else. Stored as safetensors (numpy/PyTorch can open it).
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';
import { MixtureOfFactorAnalyzers } from '../mfa/mfa.js';
import { GaussianMixture } from '../mixture/gmm.js';
import { enumField, intField } from '../model-state.js';
import { PCA } from '../pca.js';
import type { Pool } from '../pool.js';
import { decodeSafetensors, encodeSafetensors } from '../safetensors.js';

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
    const drawn = this.mfa ? await this.mfa.sample(n, { shuffle: true, noise: false, ...opts }) : await this.gmm.sample(n, { shuffle: true, ...opts });
    const images = this.mfa ? new Matrix(n, drawn.X.cols, Float32Array.from(drawn.X.data)) : await this.pca.inverseTransform(drawn.X);
    for (let i = 0; i < images.data.length; i++) images.data[i] = Math.min(1, Math.max(0, images.data[i]));
    return { images, labels: drawn.labels };
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

  /** Reads a model file, validating the format, every tensor and their agreement before use. */
  static fromBytes(bytes: Uint8Array, opts: { pool?: Pool } = {}): ImageModel {
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
      return new ImageModel(spec, PCA.fromState(tensors, metadata, 'pca.', opts), GaussianMixture.fromState(tensors, metadata, 'gmm.', opts), info);
    } catch (e) {
      if (e instanceof GaussfaceError && e.code === 'ESHAPE') throw new GaussfaceError(`model file is inconsistent: ${e.message}`, 'EFORMAT');
      throw e;
    }
  }
}
