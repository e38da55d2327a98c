// <gaussface-demo>: an embeddable element that learns the built-in faces in the visitor's browser (worker pool,
// no server, no cross-origin isolation needed) and draws new ones. Attributes: size, faces, seed.
import { generate, lineChart, syntheticFaces, type GenerateResult } from '../sdk/index.js';

const STYLE = `
:host { display: block; font: 14px/1.4 system-ui, sans-serif; max-width: 720px; }
.row { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
canvas { image-rendering: pixelated; border: 1px solid #ddd; }
button { padding: 4px 12px; }
.status { color: #555; }
`;

class GaussfaceDemo extends HTMLElement {
  private result: GenerateResult | undefined;
  private root = this.attachShadow({ mode: 'open' });
  private size = 32;

  connectedCallback() {
    this.size = Number(this.getAttribute('size') ?? 32);
    this.root.innerHTML = `<style>${STYLE}</style>
      <div class="row"><button id="go">Learn faces</button><button id="more" disabled>New faces</button>
      <label>temperature <input id="t" type="range" min="0.2" max="1.5" step="0.1" value="1"> <span id="tv">1.0</span></label></div>
      <div class="status" id="status">Press “Learn faces”: PCA and a Gaussian mixture are fitted here, in WebAssembly.</div>
      <div class="row"><canvas id="train"></canvas><canvas id="samples"></canvas></div><div id="chart"></div>`;
    const $ = (id: string) => this.root.getElementById(id) as HTMLElement;
    $('go').addEventListener('click', () => this.learn());
    $('more').addEventListener('click', () => this.sample());
    $('t').addEventListener('input', () => ($('tv').textContent = Number(($('t') as HTMLInputElement).value).toFixed(1)));
    if (this.hasAttribute('autorun')) this.learn();
  }

  private status(text: string) {
    this.root.getElementById('status')!.textContent = text;
  }

  private draw(id: string, rows: { row(i: number): ArrayLike<number>; rows: number }, count: number) {
    const s = this.size;
    const cols = 8;
    const canvas = this.root.getElementById(id) as HTMLCanvasElement;
    const n = Math.min(count, rows.rows);
    canvas.width = cols * s;
    canvas.height = Math.ceil(n / cols) * s;
    canvas.style.width = `${canvas.width * 1.5}px`;
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(canvas.width, canvas.height);
    for (let k = 0; k < n; k++) {
      const px = rows.row(k);
      for (let r = 0; r < s; r++)
        for (let c = 0; c < s; c++) {
          const v = Math.round(255 * Math.min(1, Math.max(0, px[r * s + c])));
          const o = 4 * ((Math.floor(k / cols) * s + r) * canvas.width + (k % cols) * s + c);
          img.data.set([v, v, v, 255], o);
        }
    }
    ctx.putImageData(img, 0, 0);
  }

  async learn() {
    this.dataset.state = 'running';
    const t0 = performance.now();
    const faces = syntheticFaces({ n: Number(this.getAttribute('faces') ?? 400), size: this.size, seed: Number(this.getAttribute('seed') ?? 0) });
    this.draw('train', faces.X, 16);
    this.result = await generate(faces.X, {
      nSamples: 16, randomState: 0,
      onProgress: (p) => this.status(`${p.stage} ${p.done}/${p.total} ${p.detail ?? ''}`),
    });
    const sel = this.result.selection!;
    this.root.getElementById('chart')!.innerHTML = lineChart([
      { name: 'BIC', x: sel.table.map((r) => r.nComponents), y: sel.table.map((r) => r.bic), highlight: sel.table.indexOf(sel.bestRow) },
    ], { title: 'BIC against the number of Gaussians', xLabel: 'k', yLabel: 'BIC', logX: true });
    this.draw('samples', this.result.images, 16);
    (this.root.getElementById('more') as HTMLButtonElement).disabled = false;
    this.status(`${faces.X.rows} faces → PCA ${this.result.pca.nComponentsFitted} → ${this.result.model.nComponents} Gaussians (BIC) in ${((performance.now() - t0) / 1000).toFixed(1)} s. Left: training faces; right: new ones.`);
    this.dataset.state = 'done';
  }

  async sample() {
    if (!this.result) return;
    const t = Number((this.root.getElementById('t') as HTMLInputElement).value);
    const drawn = await this.result.model.sample(16, { temperature: t, shuffle: true, randomState: Math.floor(Math.random() * 1e9) });
    const images = await this.result.pca.inverseTransform(drawn.X);
    this.draw('samples', images, 16);
  }
}

customElements.define('gaussface-demo', GaussfaceDemo);
