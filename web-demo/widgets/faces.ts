// <gaussface-faces model="lfw.safetensors">: new faces drawn from an image model (any `gaussface fit` output)
// fetched from the page's own site, with a temperature slider and a "New faces" button; clicking a face shows its
// nearest training face when the file carries them (tensors `train.images`, U8 [n, pixels], and `train.codes`,
// F32 [n, PCA components], as `npm run build:web` writes). Without `model`, it fits the built-in cartoon faces.
// Attributes: model, count (16), temperature (1), seed (0), size and faces (built-in faces: 32, 400), autorun.
// JS API: ready, sample({ temperature, seed }) → the images drawn, model.
import { proxy } from 'comlink';
import { fetchBytes, GaussfaceWidget, latestOnly } from './base.js';
import { byId, drawGrid, type Shape } from './draw.js';
import { computeWorker } from './lazy.js';

export class GaussfaceFaces extends GaussfaceWidget {
  /** The loaded (or fitted) model's summary, once ready: id in the widget worker, spec, components, info. */
  model: Awaited<ReturnType<ReturnType<typeof computeWorker>['loadImageModel']>> | undefined;
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
    this.temperatureSlider('t', 'tv', 1, () => void this.redraw());
    byId(this.root, 'more').addEventListener('click', () => {
      this.seed++;
      void this.redraw();
    });
  }

  protected async load(): Promise<void> {
    this.setState('loading');
    this.seed = this.numberAttribute('seed', 0, { min: 0, int: true });
    const url = this.urlAttribute('model');
    const w = computeWorker();
    if (url) {
      this.progress('Loading the model…');
      const bytes = await fetchBytes(url, 'model file');
      this.model = await w.loadImageModel(bytes, url);
    } else {
      const size = this.numberAttribute('size', 32, { min: 8, max: 128, int: true });
      const faces = this.numberAttribute('faces', 400, { min: 20, max: 4000, int: true });
      this.setState('fitting');
      this.progress('Learning the built-in faces…');
      this.model = await w.learn({ size, faces, seed: this.seed }, proxy((text: string, detail: Record<string, unknown>) => this.progress(`Fitting: ${text}`, detail)));
      this.setState('loading');
    }
    const { width, height, channels } = this.model.spec;
    this.shape = { width, height, channels };
    await this.sample();
    for (const id of ['more', 't']) byId<HTMLButtonElement>(this.root, id).disabled = false;
    const m = this.model;
    this.done(`${m.components} Gaussians over ${m.pcaComponents} PCA components, ${width}×${height}${m.info.data ? ` (${m.info.data})` : ''}.`, { components: m.components });
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
    this.images = await computeWorker().sampleImages(this.model.id, n, Number(t.value), this.seed);
    this.drawFaces(n);
    return this.images;
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
    const per = this.shape.width * this.shape.height * this.shape.channels;
    const near = this.model && this.images && (await computeWorker().nearest(this.model.id, this.images.slice(i * per, (i + 1) * per)));
    canvas.hidden = !near;
    if (!near) return void (cap.textContent = 'This model file carries no training faces, so there is nothing to compare with.');
    drawGrid(canvas, near.face, this.shape, 1, 1);
    cap.textContent = `Face ${i + 1}'s nearest training face: #${near.index} (distance ${near.distance.toFixed(2)} in PCA space).`;
  }
}

customElements.get('gaussface-faces') ?? customElements.define('gaussface-faces', GaussfaceFaces);
