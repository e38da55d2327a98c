// Images (rows of floats in [0, 1], HWC) onto canvases, and small DOM helpers shared by the widgets.

export interface Shape {
  width: number;
  height: number;
  channels: number;
}

/**
 * Draws `count` images of `rows` (concatenated rows of pixels) as a grid of `cols` columns on `canvas`, one canvas
 * pixel per image pixel (CSS scales it up, pixelated).
 */
export function drawGrid(canvas: HTMLCanvasElement, rows: ArrayLike<number>, shape: Shape, count: number, cols: number): void {
  const { width: w, height: h, channels: ch } = shape;
  const per = w * h * ch;
  const n = Math.min(count, Math.floor(rows.length / per));
  cols = Math.max(1, Math.min(cols, n));
  canvas.width = cols * w;
  canvas.height = Math.max(1, Math.ceil(n / cols)) * h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let k = 0; k < n; k++)
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++) {
        const src = k * per + (r * w + c) * ch;
        const o = 4 * ((Math.floor(k / cols) * h + r) * canvas.width + (k % cols) * w + c);
        for (let q = 0; q < 3; q++) img.data[o + q] = Math.round(255 * Math.min(1, Math.max(0, rows[src + (ch === 1 ? 0 : q)])));
        img.data[o + 3] = 255;
      }
  ctx.putImageData(img, 0, 0);
}

/** The element of `root` with this id (the widgets' templates define them all). */
export function byId<T extends HTMLElement = HTMLElement>(root: ShadowRoot, id: string): T {
  const el = root.getElementById(id);
  if (!el) throw new Error(`widget template has no #${id}`);
  return el as T;
}

/** True when the reader asked the system for less motion. */
export const reducedMotion = () => globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

/** Escapes text for an HTML template. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
