// <gaussface-points src="drawing.png">: the point-cloud post. A picture (the `src`, or one the reader drops or
// picks) becomes a 2-D point cloud — its dark pixels —, a Gaussian mixture is fitted to it on the worker pool, and
// the picture is re-drawn from samples of the mixture; the temperature slider (covariance scale) re-draws live,
// and `ellipses` outlines each Gaussian (2 standard deviations).
// Attributes: src, components (30), n-init (3), threshold (0.15), max-side (256), seed (0), temperature (0.6),
// ellipses, autorun. JS API: ready, fit(file | bytes), redraw(temperature).
import { proxy } from 'comlink';
import { dropZone, fetchBytes, GaussfaceWidget, latestOnly } from './base.js';
import { byId, drawGrid } from './draw.js';
import { computeWorker } from './lazy.js';

export class GaussfacePoints extends GaussfaceWidget {
  /** The fitted point cloud's id in the widget worker, once ready. */
  cloud: number | undefined;
  private size = { width: 0, height: 0 };
  private readonly redrawLatest = latestOnly(async (t: number) => {
    if (await this.run(() => this.redraw(t))) this.setState('done');
  });

  protected template(): string {
    return `<label class="drop" id="drop">Drop a picture here or <u>choose one</u> (dark lines on a light background work best)<input type="file" accept="image/*" aria-label="Choose a picture"></label>
      <div class="row"><label>Temperature <input id="t" type="range" min="0.05" max="1.5" step="0.05" value="0.6" disabled><output id="tv">0.60</output></label>
      <label><input id="ell" type="checkbox"> Show the Gaussians</label></div>
      <div class="row pics"><figure><canvas id="input" width="1" height="1"></canvas><figcaption>the points</figcaption></figure>
      <figure><canvas id="samples" width="1" height="1"></canvas><figcaption id="samplecap">drawn from the mixture</figcaption></figure></div>`;
  }

  protected styles(): string {
    return `.pics figure { flex: 1 1 150px; max-width: 320px; } .pics canvas { width: 100%; image-rendering: auto; background: #fff; border: 1px solid #ddd; }`;
  }

  protected wire(): void {
    const t = this.temperatureSlider('t', 'tv', 0.6, (v) => this.cloud && void this.redrawLatest(v));
    const ell = byId<HTMLInputElement>(this.root, 'ell');
    ell.checked = this.hasAttribute('ellipses');
    ell.addEventListener('change', () => this.cloud && void this.redrawLatest(Number(t.value)));
    dropZone(byId(this.root, 'drop'), (files) => void this.run(() => this.fit(files[0])));
  }

  /** With a `src`, starts when visible; without one, it waits for a picture. */
  protected startsWhenVisible(): boolean {
    return this.hasAttribute('src');
  }

  protected async load(): Promise<void> {
    const src = this.urlAttribute('src');
    if (!src) return this.progress('Drop a picture to start.');
    this.setState('loading');
    this.progress('Loading the picture…');
    await this.fit(await fetchBytes(src, 'picture'), src);
  }

  /** Fits a new picture (a File from a drop, or the bytes of an image file). */
  async fit(file: Blob | Uint8Array, name = (file as File).name ?? 'the picture'): Promise<void> {
    this.setState('loading');
    const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
    const w = computeWorker();
    const opts = {
      name, maxSide: this.numberAttribute('max-side', 256, { min: 16, max: 1024, int: true }), threshold: this.numberAttribute('threshold', 0.15, { min: 0, max: 1 }),
      components: this.numberAttribute('components', 30, { min: 1, max: 500, int: true }), nInit: this.numberAttribute('n-init', 3, { min: 1, max: 50, int: true }), seed: this.numberAttribute('seed', 0, { min: 0, int: true }),
    };
    const cloud = await w.pointCloud(bytes, opts);
    if (this.cloud) void w.release(this.cloud);
    this.cloud = undefined;
    this.size = { width: cloud.width, height: cloud.height };
    this.drawRgb('input', cloud.input);
    this.setState('fitting');
    const seconds = await w.fitPoints(cloud.id, opts, proxy((text: string, detail: Record<string, unknown>) => this.progress(text, detail)));
    this.cloud = cloud.id;
    const t = byId<HTMLInputElement>(this.root, 't');
    t.disabled = false;
    this.setState('loading');
    await this.redraw(Number(t.value));
    this.done(`${cloud.points} points (${cloud.width}×${cloud.height}), ${opts.components} Gaussians fitted in ${seconds.toFixed(1)} s.`, { points: cloud.points, seconds });
  }

  /** Re-draws the picture from as many samples as it has points, at this covariance scale. */
  async redraw(temperature: number): Promise<void> {
    if (!this.cloud) throw new Error('nothing fitted yet (await el.ready)');
    const d = await computeWorker().drawPoints(this.cloud, temperature);
    const canvas = this.drawRgb('samples', d.rgb);
    if (byId<HTMLInputElement>(this.root, 'ell').checked && d.covariances) drawEllipses(canvas, d.means, d.covariances, this.size.height);
    byId(this.root, 'samplecap').textContent = `drawn from the mixture, temperature ${temperature.toFixed(2)}`;
  }

  private drawRgb(id: string, rgb: Float32Array): HTMLCanvasElement {
    const canvas = byId<HTMLCanvasElement>(this.root, id);
    drawGrid(canvas, rgb, { ...this.size, channels: 3 }, 1, 1);
    return canvas;
  }
}

/** The 2-standard-deviation ellipse of every component (2-D means, full 2×2 covariances) over the canvas. */
function drawEllipses(canvas: HTMLCanvasElement, means: Float64Array, c: Float64Array, height: number): void {
  const ctx = canvas.getContext('2d')!;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.55)';
  ctx.lineWidth = Math.max(1, canvas.width / 256);
  for (let k = 0; k < means.length / 2; k++) {
    const [a, b, d] = [c[4 * k], c[4 * k + 1], c[4 * k + 3]];
    // Eigen-decomposition of the 2×2 covariance: the axes' lengths and the angle of the first.
    const mid = (a + d) / 2;
    const r = Math.sqrt(((a - d) / 2) ** 2 + b * b);
    const angle = Math.atan2(mid + r - a, b || 1e-12);
    ctx.beginPath();
    // y is up in the point cloud and down on the canvas: mirror the angle.
    ctx.ellipse(means[2 * k], height - 1 - means[2 * k + 1], 2 * Math.sqrt(mid + r), 2 * Math.sqrt(Math.max(0, mid - r)), -angle, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

customElements.get('gaussface-points') ?? customElements.define('gaussface-points', GaussfacePoints);
