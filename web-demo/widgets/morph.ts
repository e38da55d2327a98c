// <gaussface-morph model="vae.safetensors">: a VAE file from the page's site. Two faces drawn from the prior
// and the morph between them (a slider along the latent path, straight or spherical), "New pair", and — when the
// file carries attribute directions (`gaussface vae attribute … --save`) — a slider that adds one to the face
// shown. The VAE runs in the widgets' worker, so the page never waits on it.
// Attributes: model, steps (9), temperature (1), seed (0), spherical, autorun.
// JS API: ready, show({ step, attribute, strength }) → the pixels shown, newPair().
import { fetchBytes, GaussfaceWidget, latestOnly } from './base.js';
import { byId, drawGrid, esc, reducedMotion, type Shape } from './draw.js';
import { computeWorker } from './lazy.js';

export class GaussfaceMorph extends GaussfaceWidget {
  private shape!: Shape;
  private vae = 0; // its id in the widget worker
  private path: Float32Array | undefined;
  private seed = 0;
  private directions: string[] = [];
  private readonly update = latestOnly(async () => {
    if (await this.run(async () => void (await this.show()))) this.setState('done');
  });

  protected template(): string {
    return `<div class="row faces"><figure><canvas id="a" width="1" height="1"></canvas><figcaption>face A</figcaption></figure>
      <figure><canvas id="mid" width="1" height="1"></canvas><figcaption id="midcap">A → B</figcaption></figure>
      <figure><canvas id="b" width="1" height="1"></canvas><figcaption>face B</figcaption></figure></div>
      <div class="row"><label>Morph A → B <input id="u" type="range" min="0" max="8" step="1" value="4" disabled><output id="uv">50%</output></label>
      <label><input id="sph" type="checkbox"> spherical path</label>
      <button id="play" disabled>Play</button><button id="pair" disabled>New pair</button></div>
      <div class="row" id="attrrow" hidden><label>Add <select id="attr" aria-label="Attribute"></select>
      <input id="s" type="range" min="-3" max="3" step="0.25" value="0" aria-label="Attribute strength"><output id="sv">0</output></label></div>`;
  }

  protected styles(): string {
    return `.faces figure { flex: 1 1 0; min-width: 72px; max-width: 128px; } .faces canvas { width: 100%; }`;
  }

  protected wire(): void {
    const steps = this.numberAttribute('steps', 9, { min: 2, max: 33, int: true });
    const u = byId<HTMLInputElement>(this.root, 'u');
    u.max = String(steps - 1);
    u.value = String(Math.floor((steps - 1) / 2));
    byId<HTMLInputElement>(this.root, 'sph').checked = this.hasAttribute('spherical');
    u.addEventListener('input', () => void this.update());
    byId(this.root, 's').addEventListener('input', () => void this.update());
    byId(this.root, 'attr').addEventListener('change', () => void this.update());
    byId(this.root, 'sph').addEventListener('change', () => void this.run(() => this.newPath()));
    byId(this.root, 'pair').addEventListener('click', () => void this.run(() => this.newPair()));
    byId(this.root, 'play').addEventListener('click', () => void this.play());
  }

  protected async load(): Promise<void> {
    this.setState('loading');
    const url = this.urlAttribute('model');
    if (!url) throw new Error('<gaussface-morph> needs a model attribute: the URL of a VAE file (gaussface vae train --out vae.safetensors)');
    this.seed = this.numberAttribute('seed', 0, { min: 0, int: true });
    this.progress('Loading the VAE…');
    const bytes = await fetchBytes(url, 'model file');
    const info = await computeWorker().loadVae(bytes, url);
    this.vae = info.id;
    this.shape = { width: info.input.width, height: info.input.height, channels: info.input.channels };
    this.directions = info.attributes;
    if (this.directions.length) {
      byId(this.root, 'attr').innerHTML = this.directions.map((a: string) => `<option>${esc(a)}</option>`).join('');
      byId(this.root, 'attrrow').hidden = false;
    }
    await this.newPair();
    for (const id of ['u', 'pair', 'play']) byId<HTMLButtonElement>(this.root, id).disabled = false;
    this.done(`VAE, latent space of ${info.latent} dimensions, ${info.input.width}×${info.input.height}${this.directions.length ? `; attributes: ${this.directions.join(', ')}` : ''}.`, { latent: info.latent, attributes: this.directions });
  }

  /** Two new faces from the prior (the next seed), and the morph between them. */
  async newPair(): Promise<void> {
    this.seed++;
    const t = this.numberAttribute('temperature', 1, { min: 0, max: 4 });
    const pair = await computeWorker().vaeSample(this.vae, 2, t, this.seed);
    const per = pair.length / 2;
    drawGrid(byId(this.root, 'a'), pair.subarray(0, per), this.shape, 1, 1);
    drawGrid(byId(this.root, 'b'), pair.subarray(per), this.shape, 1, 1);
    this.pair = [pair.slice(0, per), pair.slice(per)];
    await this.newPath();
  }

  private pair: [Float32Array, Float32Array] | undefined;

  private async newPath(): Promise<void> {
    if (!this.pair) return;
    const steps = Number(byId<HTMLInputElement>(this.root, 'u').max) + 1;
    this.path = await computeWorker().vaeMorph(this.vae, this.pair[0], this.pair[1], steps, byId<HTMLInputElement>(this.root, 'sph').checked);
    await this.show();
  }

  /** Shows the morph at `step` with `strength` × the attribute added (defaults: the sliders); resolves to its pixels. */
  async show(opts: { step?: number; attribute?: string; strength?: number } = {}): Promise<Float32Array> {
    if (!this.path) throw new Error('the widget has no model yet (await el.ready)');
    const [u, s, attr] = [byId<HTMLInputElement>(this.root, 'u'), byId<HTMLInputElement>(this.root, 's'), byId<HTMLSelectElement>(this.root, 'attr')];
    if (opts.step !== undefined) u.value = String(opts.step);
    if (opts.strength !== undefined) s.value = String(opts.strength);
    if (opts.attribute !== undefined) attr.value = opts.attribute;
    const steps = Number(u.max) + 1;
    const per = this.path.length / steps;
    let face: Float32Array = this.path.slice(Number(u.value) * per, (Number(u.value) + 1) * per);
    byId(this.root, 'uv').textContent = `${Math.round((100 * Number(u.value)) / (steps - 1))}%`;
    byId(this.root, 'sv').textContent = Number(s.value).toFixed(2);
    if (this.directions.length && Number(s.value) !== 0) face = await computeWorker().vaeAttribute(this.vae, face, attr.value, Number(s.value));
    drawGrid(byId(this.root, 'mid'), face, this.shape, 1, 1);
    byId(this.root, 'midcap').textContent = `A → B ${byId(this.root, 'uv').textContent}${Number(s.value) ? `, ${attr.value} ${Number(s.value) > 0 ? '+' : ''}${s.value}` : ''}`;
    return face;
  }

  /** Runs the slider from A to B (with reduced motion: jumps to B). */
  private async play(): Promise<void> {
    const u = byId<HTMLInputElement>(this.root, 'u');
    const last = Number(u.max);
    const frames = reducedMotion() ? [last] : Array.from({ length: last + 1 }, (_, i) => i);
    for (const f of frames) {
      u.value = String(f);
      await this.update();
      if (f !== last) await new Promise((r) => setTimeout(r, 120));
    }
  }
}

customElements.get('gaussface-morph') ?? customElements.define('gaussface-morph', GaussfaceMorph);
