// <gaussface-fit>: the reader's own images (dropped or picked) — or the built-in cartoon faces — are learned in
// their browser: PCA, then a Gaussian mixture whose size BIC chooses, on the worker pool; the BIC curve and new
// images are shown, with a temperature slider and "New images". (`<gaussface-demo>` is this widget too.)
// Attributes: size (32), faces (built-in faces: 400), seed (0), autorun. JS API: ready, learn(files?), sample().
import { proxy } from 'comlink';
import { GaussfaceError } from '../../sdk/errors.js';
import { dropZone, GaussfaceWidget, latestOnly } from './base.js';
import { byId, drawGrid, type Shape } from './draw.js';
import { computeWorker } from './lazy.js';

/** Fewest images the widget fits (PCA and a mixture on fewer say little). */
const MIN_IMAGES = 8;
/** Most images read from one drop (each is decoded in the worker; more would only make the reader wait). */
const MAX_IMAGES = 2000;

export class GaussfaceFit extends GaussfaceWidget {
  /** The learned model's summary (id in the widget worker, components, …), once done. */
  result: Awaited<ReturnType<ReturnType<typeof computeWorker>['learn']>> | undefined;
  private shape!: Shape;
  private seed = 0;
  private readonly resample = latestOnly(async () => {
    if (await this.run(() => this.sample())) this.setState('done');
  });

  protected template(): string {
    return `<label class="drop" id="drop">Drop ${MIN_IMAGES} or more images here (or <u>choose them</u>) to learn them here, in your browser<input type="file" accept="image/*" multiple aria-label="Choose images"></label>
      <div class="row"><button id="go">Learn faces</button><button id="more" disabled>New images</button>
      <label>Temperature <input id="t" type="range" min="0.2" max="1.5" step="0.1" value="1" disabled><output id="tv">1.0</output></label></div>
      <div class="row pics"><figure><canvas id="train" width="1" height="1"></canvas><figcaption>training images</figcaption></figure>
      <figure><canvas id="samples" width="1" height="1"></canvas><figcaption>new images</figcaption></figure></div><div id="chart"></div>`;
  }

  protected styles(): string {
    return `.pics figure { flex: 1 1 240px; max-width: 400px; } .pics canvas { width: 100%; } #chart { max-width: 480px; }`;
  }

  protected wire(): void {
    byId(this.root, 'go').addEventListener('click', () => void this.run(() => this.learn()));
    byId(this.root, 'more').addEventListener('click', () => {
      this.seed++;
      void this.resample();
    });
    this.temperatureSlider('t', 'tv', 1, () => void this.resample(), 1);
    dropZone(byId(this.root, 'drop'), (files) => void this.run(() => this.learn(files)));
    this.progress('Press “Learn faces” (built-in cartoon faces) or drop your own images: PCA and a Gaussian mixture are fitted here, in WebAssembly.');
  }

  protected startsWhenVisible(): boolean {
    return false;
  }

  protected load(): Promise<void> {
    return this.learn();
  }

  /** Learns these image files, or without any the built-in faces. */
  async learn(files?: File[]): Promise<void> {
    this.setState('loading');
    const size = this.numberAttribute('size', 32, { min: 8, max: 128, int: true });
    const faces = this.numberAttribute('faces', 400, { min: MIN_IMAGES, max: 4000, int: true });
    this.seed = this.numberAttribute('seed', 0, { min: 0, int: true });
    this.shape = { width: size, height: size, channels: 1 };
    const w = computeWorker();
    let rows: Float32Array | undefined;
    if (files?.length) {
      if (files.length < MIN_IMAGES) throw new GaussfaceError(`${files.length} image${files.length === 1 ? '' : 's'} dropped; drop at least ${MIN_IMAGES} (a few dozen of similar pictures work best)`, 'EINPUT');
      const use = files.slice(0, MAX_IMAGES);
      rows = new Float32Array(use.length * size * size);
      for (const [i, f] of use.entries()) {
        this.progress(`Reading ${f.name} (${i + 1}/${use.length})…`);
        rows.set((await w.picture(new Uint8Array(await f.arrayBuffer()), { name: f.name, size })).data, i * size * size);
      }
    }
    this.setState('fitting');
    this.progress(rows ? 'Learning your images…' : 'Learning the built-in faces…');
    if (this.result) void w.release(this.result.id);
    this.result = undefined;
    const r = await w.learn({ rows, size, faces, seed: this.seed }, proxy((text: string, detail: Record<string, unknown>) => this.progress(text, detail)));
    this.result = r;
    this.setState('loading');
    drawGrid(this.scaled('train', size), r.train, this.shape, 16, 8);
    byId(this.root, 'chart').innerHTML = r.chart;
    drawGrid(this.scaled('samples', size), r.samples, this.shape, 16, 8);
    for (const id of ['more', 't']) byId<HTMLButtonElement>(this.root, id).disabled = false;
    this.done(`${r.rows} images → PCA ${r.pcaComponents} → ${r.components} Gaussians (BIC) in ${r.seconds.toFixed(1)} s. Left: training images; right: new ones.`, { images: r.rows, components: r.components, seconds: r.seconds });
  }

  /** New images at the slider's temperature (the next seed after "New images"). */
  async sample(): Promise<void> {
    if (!this.result) throw new Error('nothing learned yet (await el.ready)');
    const t = Number(byId<HTMLInputElement>(this.root, 't').value);
    drawGrid(byId(this.root, 'samples'), await computeWorker().sampleImages(this.result.id, 16, t, this.seed), this.shape, 16, 8);
  }

  /** The canvas `id`, shown at 1.5 CSS pixels per image pixel (up to the widget's width). */
  private scaled(id: string, size: number): HTMLCanvasElement {
    const c = byId<HTMLCanvasElement>(this.root, id);
    c.style.width = `${Math.round(8 * size * 1.5)}px`;
    return c;
  }
}

customElements.get('gaussface-fit') ?? customElements.define('gaussface-fit', GaussfaceFit);
