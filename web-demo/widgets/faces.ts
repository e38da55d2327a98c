// <gaussface-faces model="lfw.safetensors">: new faces drawn from an image model (any `gaussface fit` output)
// fetched from the page's own site, with a temperature slider and a "New faces" button; clicking a face shows its
// nearest training face when the file carries them (tensors `train.images`, U8 [n, pixels], and `train.codes`,
// F32 [n, PCA components], as `npm run build:web` writes). Without `model`, it fits the built-in cartoon faces.
// Attributes: model, count (16), temperature (1), seed (0), size and faces (built-in faces: 32, 400), autorun.
// JS API: ready, sample({ temperature, seed }) → the images drawn, model.
import type { ImageModel, Matrix } from '../../sdk/index.js';
import { fetchBytes, GaussfaceWidget, latestOnly } from './base.js';
import { byId, drawGrid, type Shape } from './draw.js';
import { computeWorker, sdk } from './lazy.js';

interface Training {
  images: ArrayLike<number>; // n × pixels, values in [0, 1] or bytes (scale)
  scale: number;
  codes: Matrix<Float32Array>;
}

export class GaussfaceFaces extends GaussfaceWidget {
  /** The loaded (or fitted) model, once ready. */
  model: ImageModel | undefined;
  private training: Training | undefined;
  private shape!: Shape;
  private images: Float32Array | undefined;
  private seed = 0;
  private readonly redraw = latestOnly(async () => {
    const ok = await this.run(async () => void (await this.sample()));
    if (ok) this.setState('done');
  });

  protected template(): string {
    return `<div class="row"><button id="more" disabled>New faces</button>
      <label>Temperature <input id="t" type="range" min="0.1" max="1.5" step="0.05" value="1" aria-describedby="thelp" disabled><output id="tv">1.00</output></label></div>
      <p id="thelp" class="hint">Lower temperature: faces nearer the typical ones. Click a face to see the closest training face.</p>
      <div id="grid" class="grid" role="group" aria-label="Generated faces"></div>
      <figure id="near" hidden><canvas id="nearest" width="1" height="1"></canvas><figcaption id="nearcap"></figcaption></figure>`;
  }

  protected styles(): string {
    return `.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(64px, 1fr)); gap: 4px; max-width: 560px; }
      .grid button { padding: 0; border: 2px solid transparent; background: none; min-height: 0; }
      .grid button[aria-pressed=true] { border-color: #2a6df4; }
      .grid canvas { width: 100%; }
      #near { margin-top: 8px; } #nearest { width: 128px; }
      .hint { font-size: 13px; color: #555; margin: 2px 0 6px; }`;
  }

  protected wire(): void {
    const t = byId<HTMLInputElement>(this.root, 't');
    t.value = String(this.numberAttribute('temperature', 1, { min: 0, max: 4 }));
    byId(this.root, 'tv').textContent = Number(t.value).toFixed(2);
    t.addEventListener('input', () => {
      byId(this.root, 'tv').textContent = Number(t.value).toFixed(2);
      void this.redraw();
    });
    byId(this.root, 'more').addEventListener('click', () => {
      this.seed++;
      void this.redraw();
    });
  }

  protected async load(): Promise<void> {
    this.setState('loading');
    this.seed = this.numberAttribute('seed', 0, { min: 0, int: true });
    const url = this.urlAttribute('model');
    const g = await sdk();
    if (url) {
      this.progress('Loading the model…');
      const bytes = await fetchBytes(url, 'model file');
      this.model = readImageModel(g, bytes, url);
      this.training = trainingFaces(g, bytes);
    } else {
      const size = this.numberAttribute('size', 32, { min: 8, max: 128, int: true });
      const n = this.numberAttribute('faces', 400, { min: 20, max: 4000, int: true });
      this.progress('Drawing the built-in faces…');
      const f = await computeWorker().faces(n, size, this.seed);
      const X = new g.Matrix(f.rows, f.cols, f.data);
      this.setState('fitting');
      const r = await g.generate(X, { nSamples: 1, randomState: this.seed, onProgress: (p) => this.progress(`Fitting: ${p.stage} ${p.done}/${p.total}`, { ...p }) });
      this.model = new g.ImageModel({ width: size, height: size, channels: 1 }, r.pca, r.model, { data: 'built-in faces' });
      this.training = { images: X.data, scale: 1, codes: await r.pca.transform(X) };
    }
    const { width, height, channels } = this.model.spec;
    this.shape = { width, height, channels };
    await this.sample();
    for (const id of ['more', 't']) byId<HTMLButtonElement>(this.root, id).disabled = false;
    const m = this.model;
    this.done(`${m.gmm.nComponents} Gaussians over ${m.pca.nComponentsFitted} PCA components, ${width}×${height}${m.info.data ? ` (${m.info.data})` : ''}.`, { components: m.gmm.nComponents });
  }

  /**
   * Draws new faces (count, default 16) at the slider's temperature and the current seed, or the given ones;
   * resolves to their pixels (count × width·height·channels).
   */
  async sample(opts: { temperature?: number; seed?: number } = {}): Promise<Float32Array> {
    if (!this.model) throw new Error('the widget has no model yet (await el.ready)');
    const t = byId<HTMLInputElement>(this.root, 't');
    if (opts.temperature !== undefined) t.value = String(opts.temperature);
    if (opts.seed !== undefined) this.seed = opts.seed;
    byId(this.root, 'tv').textContent = Number(t.value).toFixed(2);
    const n = this.numberAttribute('count', 16, { min: 1, max: 64, int: true });
    const { images } = await this.model.sample(n, { temperature: Number(t.value), randomState: this.seed });
    this.images = images.data;
    this.drawFaces(n);
    return images.data;
  }

  private drawFaces(n: number): void {
    const grid = byId(this.root, 'grid');
    const per = this.shape.width * this.shape.height * this.shape.channels;
    while (grid.children.length > n) grid.lastElementChild!.remove();
    while (grid.children.length < n) {
      const i = grid.children.length;
      const b = document.createElement('button');
      b.setAttribute('aria-label', `Face ${i + 1}: show the nearest training face`);
      b.setAttribute('aria-pressed', 'false');
      b.appendChild(document.createElement('canvas'));
      b.addEventListener('click', () => void this.run(() => this.showNearest(i)));
      grid.appendChild(b);
    }
    [...grid.children].forEach((b, i) => drawGrid(b.firstElementChild as HTMLCanvasElement, this.images!.subarray(i * per, (i + 1) * per), this.shape, 1, 1));
    byId(this.root, 'near').hidden = true;
  }

  /** Shows the training face nearest (in the model's PCA space) to generated face i. */
  private async showNearest(i: number): Promise<void> {
    const grid = byId(this.root, 'grid');
    [...grid.children].forEach((b, k) => b.setAttribute('aria-pressed', String(k === i)));
    const cap = byId(this.root, 'nearcap');
    byId(this.root, 'near').hidden = false;
    const canvas = byId<HTMLCanvasElement>(this.root, 'nearest');
    if (!this.training || !this.model || !this.images) {
      canvas.hidden = true;
      cap.textContent = 'This model file carries no training faces, so there is nothing to compare with.';
      return;
    }
    const g = await sdk();
    const per = this.shape.width * this.shape.height * this.shape.channels;
    const code = await this.model.pca.transform(new g.Matrix(1, per, this.images.slice(i * per, (i + 1) * per)));
    const { index, distance } = await g.nearestNeighbours(code, this.training.codes);
    const j = index[0];
    const { images, scale } = this.training;
    const row = Float32Array.from({ length: per }, (_, k) => images[j * per + k] / scale);
    canvas.hidden = false;
    drawGrid(canvas, row, this.shape, 1, 1);
    cap.textContent = `Face ${i + 1}'s nearest training face: #${j} (distance ${distance[0].toFixed(2)} in PCA space).`;
  }
}

type Sdk = Awaited<ReturnType<typeof sdk>>;

/** An ImageModel from a file, with the fix named when the file is a VAE or not a gaussface model. */
function readImageModel(g: Sdk, bytes: Uint8Array, url: string): ImageModel {
  try {
    return g.ImageModel.fromBytes(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    if (/"gaussface-vae"/.test(msg)) throw new g.GaussfaceError(`${url} is a VAE model file; show it with <gaussface-morph model="…"> (this widget draws from mixture models made by gaussface fit)`, 'EFORMAT');
    throw new g.GaussfaceError(`${url}: ${msg}`, (e as { code?: string }).code ?? 'EFORMAT');
  }
}

/** The training faces a model file carries (see the header), if any. */
function trainingFaces(g: Sdk, bytes: Uint8Array): Training | undefined {
  const { tensors } = g.decodeSafetensors(bytes);
  const [images, codes] = [tensors['train.images'], tensors['train.codes']];
  if (!images || !codes || codes.dtype !== 'F32' || codes.shape.length !== 2 || images.shape[0] !== codes.shape[0]) return undefined;
  return { images: images.data, scale: images.dtype === 'U8' ? 255 : 1, codes: new g.Matrix(codes.shape[0], codes.shape[1], codes.data as Float32Array) };
}

customElements.get('gaussface-faces') ?? customElements.define('gaussface-faces', GaussfaceFaces);
