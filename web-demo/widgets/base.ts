// What every gaussface widget shares: a shadow root with one style, the `data-state` attribute (loading,
// fitting, done, error), the `progress` / `done` / `error` events, a readable error box inside the widget (never
// an uncaught exception on the page), a start on first visibility (so the SDK loads only when it is needed), and
// controls that re-run work at most one at a time (a dragged slider redraws with its latest value).
import { GaussfaceError } from '../../sdk/errors.js';
import { byId } from './draw.js';

export type WidgetState = 'loading' | 'fitting' | 'done' | 'error';

const STYLE = `
:host { display: block; box-sizing: border-box; max-width: 100%; font: 15px/1.45 system-ui, sans-serif; color: #1d1d1f; }
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.box { border: 1px solid #d8d8de; border-radius: 10px; padding: 12px; background: #fff; overflow: hidden; }
.row { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 8px 0; }
canvas { image-rendering: pixelated; max-width: 100%; height: auto; display: block; background: #f4f4f6; transition: opacity .25s; }
figure { margin: 0; max-width: 100%; }
figcaption { font-size: 12px; color: #555; }
button { font: inherit; padding: 6px 14px; min-height: 36px; border-radius: 6px; border: 1px solid #888; background: #f7f7f9; color: inherit; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
button:focus-visible, input:focus-visible, select:focus-visible, .drop:focus-within { outline: 3px solid #2a6df4; outline-offset: 2px; }
label { display: inline-flex; align-items: center; gap: 6px; flex-wrap: wrap; }
input[type=range] { width: min(180px, 45vw); }
output { min-width: 2.5em; font-variant-numeric: tabular-nums; }
.status { color: #555; min-height: 1.4em; margin: 6px 0 0; font-size: 13px; overflow-wrap: anywhere; }
.error { color: #a40000; background: #fff0f0; border: 1px solid #e6b3b3; padding: 8px; border-radius: 6px; margin: 6px 0 0; overflow-wrap: anywhere; }
.drop { display: block; border: 2px dashed #aab; padding: 10px; border-radius: 8px; text-align: center; cursor: pointer; }
.drop.over { background: #eef3ff; }
.drop input { position: absolute; width: 1px; height: 1px; opacity: 0; }
:host([data-state=loading]) canvas, :host([data-state=fitting]) canvas { opacity: .55; }
svg { max-width: 100%; height: auto; }
figure:has(> canvas[width="1"]) { display: none; } /* nothing drawn yet */
@media (prefers-reduced-motion: reduce) { *, canvas { transition: none !important; animation: none !important; } }
`;

export abstract class GaussfaceWidget extends HTMLElement {
  protected readonly root: ShadowRoot;
  private started = false;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  /** Resolves when the widget first reaches `done` (rejects if it fails first). */
  readonly ready: Promise<void>;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.ready = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.ready.catch(() => {}); // the error is shown in the widget and sent as an event; not an unhandled rejection
  }

  connectedCallback(): void {
    if (this.root.childNodes.length) return; // moved in the page: keep its state
    this.root.innerHTML = `<style>${STYLE}${this.styles()}</style><div class="box" part="box">${this.template()}
      <p class="status" id="status" role="status" aria-live="polite"></p><p class="error" id="error" role="alert" hidden></p></div>`;
    this.wire();
    if (this.hasAttribute('autorun')) this.start();
    else if (this.startsWhenVisible()) whenVisible(this, () => this.start());
  }

  /** The widget's own markup (inside the shared frame with status line and error box). */
  protected abstract template(): string;
  /** Extra CSS. */
  protected styles(): string {
    return '';
  }
  /** Event listeners for the template's controls. */
  protected abstract wire(): void;
  /** Loads and fits what the widget shows; runs once, from start(). */
  protected abstract load(): Promise<void>;
  /** Whether the widget starts when scrolled into view (else on `autorun` or a click). */
  protected startsWhenVisible(): boolean {
    return true;
  }

  /** Starts the widget (loading the SDK, fetching and fitting); later calls return the same promise. */
  start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      void this.run(() => this.load());
    }
    return this.ready;
  }

  /** Runs a task with the error handling of the widget; resolves true if it succeeded. */
  protected async run(task: () => Promise<void>): Promise<boolean> {
    try {
      byId(this.root, 'error').hidden = true;
      await task();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  protected setState(state: WidgetState): void {
    // Marks around every fit, so that a page (or a test) can check the main thread stayed free meanwhile.
    if (state === 'fitting') performance.mark('gaussface-fit-start');
    else if (this.dataset.state === 'fitting') performance.mark('gaussface-fit-end');
    this.dataset.state = state;
  }

  /** Updates the status line and sends a `progress` event. */
  protected progress(text: string, detail: Record<string, unknown> = {}): void {
    byId(this.root, 'status').textContent = text;
    this.dispatchEvent(new CustomEvent('progress', { detail: { text, ...detail } }));
  }

  /** Marks the widget done, with a summary line, and sends a `done` event. */
  protected done(text: string, detail: Record<string, unknown> = {}): void {
    byId(this.root, 'status').textContent = text;
    this.setState('done');
    this.settle.resolve();
    this.dispatchEvent(new CustomEvent('done', { detail: { text, ...detail } }));
  }

  /** Shows an error inside the widget and sends an `error` event (detail: message, code). */
  protected fail(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    const code = e instanceof GaussfaceError ? e.code : (e as { code?: string })?.code;
    const box = byId(this.root, 'error');
    box.textContent = message;
    box.hidden = false;
    byId(this.root, 'status').textContent = '';
    this.setState('error');
    this.settle.reject(new GaussfaceError(message, code ?? 'EWIDGET'));
    this.dispatchEvent(new CustomEvent('error', { detail: { message, code } }));
  }

  /** A numeric attribute, with its fallback and range checked (a bad value is a widget error, not NaN). */
  protected numberAttribute(name: string, fallback: number, { min = -Infinity, max = Infinity, int = false } = {}): number {
    const raw = this.getAttribute(name);
    if (raw === null || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v)))
      throw new GaussfaceError(`attribute ${name}="${raw}": expected ${int ? 'an integer' : 'a number'} from ${min} to ${max}`, 'EINPUT');
    return v;
  }

  /**
   * Wires the range input #id: its value starts at the `temperature` attribute (or its own), is shown in #out with
   * `digits` decimals, and goes to onInput as it moves.
   */
  protected temperatureSlider(id: string, out: string, fallback: number, onInput: (t: number) => void, digits = 2): HTMLInputElement {
    const t = byId<HTMLInputElement>(this.root, id);
    const show = () => (byId(this.root, out).textContent = Number(t.value).toFixed(digits));
    t.value = String(this.numberAttribute('temperature', fallback, { min: 0, max: 4 }));
    show();
    t.addEventListener('input', () => {
      show();
      onInput(Number(t.value));
    });
    return t;
  }

  /** The element's URL attribute resolved against the page (so a site hosted under a sub-path works). */
  protected urlAttribute(name: string): string | undefined {
    const raw = this.getAttribute(name);
    return raw ? new URL(raw, document.baseURI).href : undefined;
  }
}

/** Calls fn the first time el is (nearly) in view — or at once where there is no IntersectionObserver. */
function whenVisible(el: Element, fn: () => void): void {
  if (typeof IntersectionObserver !== 'function') return fn();
  const io = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) {
      io.disconnect();
      fn();
    }
  }, { rootMargin: '200px' });
  io.observe(el);
}

/** fn, called at most once at a time: calls made while it runs collapse into one more run with the latest arguments. */
export function latestOnly<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let running: Promise<void> | undefined;
  let next: A | undefined;
  const go = async (args: A): Promise<void> => {
    try {
      await fn(...args);
    } finally {
      running = undefined;
      if (next) {
        const a = next;
        next = undefined;
        running = go(a);
      }
    }
  };
  return (...args: A) => {
    if (running) {
      next = args;
      return running;
    }
    return (running = go(args));
  };
}

/** Fetches a file of the page's site as bytes, with a message that says what to check when it fails. */
export async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let r: Response;
  try {
    r = await fetch(url);
  } catch (e) {
    throw new GaussfaceError(`cannot fetch the ${what} ${url}: ${(e as Error).message}`, 'EIO');
  }
  if (!r.ok) throw new GaussfaceError(`cannot load the ${what} ${url}: the server answered ${r.status}${r.statusText ? ' ' + r.statusText : ''} — check the path (relative to this page)`, 'EIO');
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * Wires a drop zone (a <label class="drop"> around a file input): files dropped on it or picked with it go to
 * onFiles.
 */
export function dropZone(zone: HTMLElement, onFiles: (files: File[]) => void): void {
  const input = zone.querySelector('input') as HTMLInputElement;
  input.addEventListener('change', () => {
    if (input.files?.length) onFiles([...input.files]);
    input.value = '';
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files);
  });
}
