// The widgets' worker: every computation of the widgets happens here, off the page's main thread — decoding
// pictures, drawing the procedural faces, the point-cloud and image fits (on the SDK's worker pool, which this
// worker owns: one pool per page), sampling, nearest training faces and the VAE. The page only draws pixels.
import { expose, releaseProxy, type ProxyOrClone } from 'comlink';
import { syntheticFaces } from '../../sdk/datasets/synthetic-faces.js';
import { GaussfaceError } from '../../sdk/errors.js';
import { browserCodec } from '../../sdk/io/browser.js';
import { Matrix } from '../../sdk/matrix.js';
import { GaussianMixture } from '../../sdk/mixture/gmm.js';
import { nearestNeighbours } from '../../sdk/neighbours.js';
import { generate } from '../../sdk/pipelines/generate.js';
import { ImageModel } from '../../sdk/pipelines/image-model.js';
import { imageToPoints, renderPoints } from '../../sdk/pipelines/points.js';
import { lineChart } from '../../sdk/plots.js';
import { decodeSafetensors } from '../../sdk/safetensors.js';
import { VAE } from '../../sdk/vae/vae.js';
import { imageSize } from './image-size.js';

/** Pictures larger than this are refused with a message (decoding one takes 4 bytes a pixel and seconds). */
export const MAX_MEGAPIXELS = 24;

type Progress = ProxyOrClone<(text: string, detail: Record<string, unknown>) => void> | undefined;

/** Runs fn, then lets go of the page's progress callback (each proxy holds a MessagePort open). */
async function reporting<R>(progress: Progress, fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } finally {
    (progress as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy]?.(); // here, a comlink proxy
  }
}

export interface Picture {
  data: Float32Array;
  width: number;
  height: number;
}

/** What the widgets hold here, by id. */
const held = new Map<number, unknown>();
let nextId = 1;
const keep = (v: unknown) => (held.set(nextId, v), nextId++);
function get<T>(id: number, kind: { prototype: T; name: string }): T {
  const v = held.get(id);
  if (!(v instanceof (kind as unknown as Function))) throw new GaussfaceError(`widget worker: no ${kind.name} #${id}`, 'EINPUT');
  return v as T;
}

/** An image model with, when known, its training images (HWC rows, bytes or floats) and their PCA codes. */
class Faces {
  constructor(readonly model: ImageModel, readonly training?: { images: ArrayLike<number>; scale: number; codes: Matrix<Float32Array> }) {}
}

class PointCloud {
  gm: GaussianMixture | undefined;
  constructor(readonly points: Matrix, readonly width: number, readonly height: number) {}
}

/** A picture file as gray floats: at most maxSide pixels on its longer side (aspect kept), or centre-cropped to size². */
async function picture(bytes: Uint8Array, opts: { name: string; maxSide?: number; size?: number }): Promise<Picture> {
  const dims = imageSize(bytes);
  if (dims && dims.width * dims.height > MAX_MEGAPIXELS * 1e6)
    throw new GaussfaceError(`${opts.name} is ${dims.width}×${dims.height} (${((dims.width * dims.height) / 1e6).toFixed(1)} megapixels); pictures up to ${MAX_MEGAPIXELS} megapixels are read — scale it down first`, 'EINPUT');
  let target: { width: number; height: number; fit: 'fill' | 'cover' } | undefined;
  if (opts.size) target = { width: opts.size, height: opts.size, fit: 'cover' };
  else if (dims && opts.maxSide) {
    const s = Math.min(1, opts.maxSide / Math.max(dims.width, dims.height));
    target = { width: Math.max(1, Math.round(dims.width * s)), height: Math.max(1, Math.round(dims.height * s)), fit: 'fill' };
  }
  try {
    const img = await browserCodec.decode(bytes, { channels: 1, ...target });
    if (!target && opts.maxSide && Math.max(img.width, img.height) > opts.maxSide)
      throw new GaussfaceError(`${opts.name} is ${img.width}×${img.height}; use a picture at most ${opts.maxSide} pixels on a side`, 'EINPUT');
    return { data: img.data, width: img.width, height: img.height };
  } catch (e) {
    if (e instanceof GaussfaceError && /cannot decode/.test(e.message)) throw new GaussfaceError(`${opts.name} is not an image this browser can read (PNG, JPEG, GIF or WebP)`, 'EINPUT');
    throw e;
  }
}

/** The training faces a model file carries (tensors train.images and train.codes), if any. */
function trainingOf(bytes: Uint8Array): Faces['training'] {
  const { tensors } = decodeSafetensors(bytes);
  const [images, codes] = [tensors['train.images'], tensors['train.codes']];
  if (!images || !codes || codes.dtype !== 'F32' || codes.shape.length !== 2 || images.shape[0] !== codes.shape[0]) return undefined;
  return { images: images.data, scale: images.dtype === 'U8' ? 255 : 1, codes: new Matrix(codes.shape[0], codes.shape[1], codes.data as Float32Array) };
}

/** A summary of an image model for the page. */
const describe = (id: number, f: Faces) => ({ id, spec: f.model.spec, components: f.model.gmm.nComponents, pcaComponents: f.model.pca.nComponentsFitted, info: f.model.info, training: !!f.training });

/** See api.learn. */
async function learn(opts: { rows?: Float32Array; size: number; faces: number; seed: number }, progress: Progress) {
  const { size, seed } = opts;
  const X = opts.rows ? new Matrix(opts.rows.length / (size * size), size * size, opts.rows) : syntheticFaces({ n: opts.faces, size, seed }).X;
  const t0 = performance.now();
  const r = await generate(X, { nSamples: 16, randomState: seed, onProgress: (p) => progress?.(`${p.stage} ${p.done}/${p.total} ${p.detail ?? ''}`, { ...p }) });
  const f = new Faces(new ImageModel({ width: size, height: size, channels: 1 }, r.pca, r.model, { data: opts.rows ? `${X.rows} images` : 'built-in faces' }), { images: X.data, scale: 1, codes: await r.pca.transform(X) });
  const sel = r.selection!;
  return {
    ...describe(keep(f), f), rows: X.rows, seconds: (performance.now() - t0) / 1000,
    train: X.data.slice(0, 16 * size * size), samples: r.images.data,
    chart: lineChart([{ name: 'BIC', x: sel.table.map((row) => row.nComponents), y: sel.table.map((row) => row.bic), highlight: sel.table.indexOf(sel.bestRow) }], { title: 'BIC against the number of Gaussians', xLabel: 'k', yLabel: 'BIC', logX: true }),
  };
}

/** See api.fitPoints. */
async function fitPoints(id: number, opts: { components: number; nInit: number; seed: number }, progress: Progress): Promise<number> {
  const cloud = get(id, PointCloud);
  const n = cloud.points.rows;
  if (n < opts.components) throw new GaussfaceError(`the picture has ${n} dark pixels, fewer than the ${opts.components} components asked: use a picture with more dark lines or fewer components`, 'EINPUT');
  const t0 = performance.now();
  cloud.gm = await new GaussianMixture({
    nComponents: opts.components, nInit: opts.nInit, randomState: opts.seed, onWarning: () => {},
    onProgress: (p) => progress?.(`Fitting ${opts.components} Gaussians to ${n} points: start ${p.init + 1}/${opts.nInit}, iteration ${p.iteration}`, { ...p }),
  }).fit(cloud.points);
  return (performance.now() - t0) / 1000;
}

const api = {
  /** Loads an image model file (a VAE file or another format is refused, naming the widget to use). */
  loadImageModel(bytes: Uint8Array, name: string) {
    let model: ImageModel;
    try {
      model = ImageModel.fromBytes(bytes);
    } catch (e) {
      const msg = (e as Error).message;
      if (/"gaussface-vae"/.test(msg)) throw new GaussfaceError(`${name} is a VAE model file; show it with <gaussface-morph model="…"> (this widget draws from mixture models made by gaussface fit)`, 'EFORMAT');
      throw new GaussfaceError(`${name}: ${msg}`, (e as GaussfaceError).code ?? 'EFORMAT');
    }
    const f = new Faces(model, trainingOf(bytes));
    return describe(keep(f), f);
  },

  /**
   * Learns images (n × size² gray rows; without them the built-in faces, `faces` of them): PCA + a mixture sized
   * by BIC. Resolves to the model's id and summary, the first 16 training images, 16 new ones and the BIC table.
   */
  learn(opts: { rows?: Float32Array; size: number; faces: number; seed: number }, progress: Progress) {
    return reporting(progress, () => learn(opts, progress));
  },

  /** n new images from image model `id` (the same as ImageModel.sample(n, { temperature, randomState: seed })). */
  async sampleImages(id: number, n: number, temperature: number, seed: number): Promise<Float32Array> {
    return (await get(id, Faces).model.sample(n, { temperature, randomState: seed })).images.data;
  },

  /** The training image nearest (in the model's PCA space) to `image`, or undefined when the model has none. */
  async nearest(id: number, image: Float32Array) {
    const { model, training } = get(id, Faces);
    if (!training) return undefined;
    const code = await model.pca.transform(new Matrix(1, image.length, image));
    const { index, distance } = await nearestNeighbours(code, training.codes);
    const j = index[0];
    const face = Float32Array.from({ length: image.length }, (_, k) => training.images[j * image.length + k] / training.scale);
    return { index: j, distance: distance[0], face };
  },

  /** A picture → its dark pixels as points. Resolves to the cloud's id, the points drawn (RGB), the size and count. */
  async pointCloud(bytes: Uint8Array, opts: { name: string; maxSide: number; threshold: number }) {
    const pic = await picture(bytes, opts);
    const points = imageToPoints(pic.data, pic.width, pic.height, opts.threshold);
    return { id: keep(new PointCloud(points, pic.width, pic.height)), input: renderPoints(points, pic.width, pic.height), width: pic.width, height: pic.height, points: points.rows };
  },

  /** Fits a mixture to point cloud `id`; resolves to the seconds it took. */
  fitPoints(id: number, opts: { components: number; nInit: number; seed: number }, progress: Progress): Promise<number> {
    return reporting(progress, () => fitPoints(id, opts, progress));
  },

  /** The cloud re-drawn from as many samples as it has points at this temperature, and the Gaussians (means, full covariances). */
  async drawPoints(id: number, temperature: number) {
    const { gm, points, width, height } = get(id, PointCloud);
    if (!gm) throw new GaussfaceError('the point cloud is not fitted yet', 'EINPUT');
    const drawn = await gm.sample(points.rows, { temperature, randomState: 1 });
    return { rgb: renderPoints(drawn.X, width, height, drawn.labels), means: gm.means.data, covariances: gm.covarianceType === 'full' ? gm.covariances : undefined };
  },

  /** Reads a picture file (see picture()). */
  picture,

  /** Loads a VAE file; its id, latent size, image shape and the names of the attribute directions it carries. */
  async loadVae(bytes: Uint8Array, name: string) {
    let vae: VAE;
    try {
      vae = await VAE.fromBytes(bytes);
    } catch (e) {
      if (/gaussface-image-gmm/.test((e as Error).message)) throw new GaussfaceError(`${name} is a mixture model (from gaussface fit), not a VAE: show it with <gaussface-faces model="…">`, 'EFORMAT');
      throw new GaussfaceError(`${name}: ${(e as Error).message}`, (e as GaussfaceError).code ?? 'EFORMAT');
    }
    return { id: keep(vae), latent: vae.latent, input: vae.config.input, attributes: [...vae.attributes.keys()] };
  },

  /** n faces from the VAE's prior. */
  async vaeSample(id: number, n: number, temperature: number, seed: number): Promise<Float32Array> {
    return (await get(id, VAE).sample(n, { temperature, randomState: seed })).X.data;
  },

  /** `steps` faces on the latent path from a to b (rows of pixels, concatenated). */
  async vaeMorph(id: number, a: Float32Array, b: Float32Array, steps: number, spherical: boolean): Promise<Float32Array> {
    return (await get(id, VAE).interpolate(a, b, steps, { spherical })).data;
  },

  /** Image x with `strength` × the named attribute direction added to its code. */
  async vaeAttribute(id: number, x: Float32Array, name: string, strength: number): Promise<Float32Array> {
    const v = get(id, VAE);
    const dir = v.attributes.get(name);
    if (!dir) throw new GaussfaceError(`the model has no attribute '${name}'`, 'EINPUT');
    return (await v.applyAttribute(new Matrix(1, x.length, x), dir, strength)).data;
  },

  /** Lets go of what a widget held. */
  release(id: number): void {
    held.delete(id);
  },
};

export type ComputeApi = typeof api;
expose(api);
