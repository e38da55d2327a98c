// Plots as SVG strings (runtime-neutral; the CLI turns them into PNG with sharp, the web demo inlines them).

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Mark one point (e.g. the chosen model). */
  highlight?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Short labels for data values on the x axis: 1.2k, 3.4M, 0.05. */
function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) || a >= 10 ? v.toFixed(0) : v.toPrecision(2);
}

/**
 * Round axis ticks covering [lo, hi]: a step of 1, 2 or 5 × 10^k giving about `target` intervals, and the axis
 * range widened to whole steps (so the ends are ticks too).
 */
function niceTicks(lo: number, hi: number, target = 5): { ticks: number[]; step: number; lo: number; hi: number } {
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw * 0.999)!;
  const [first, last] = [Math.floor(lo / step + 1e-9), Math.ceil(hi / step - 1e-9)];
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => (first + i) * step);
  return { ticks, step, lo: first * step, hi: last * step };
}

/** A tick label with as many decimals as the step needs: 1.166M for 1,166,000 in steps of 1,000, 0.25, 40k. */
function tickLabel(v: number, step: number): string {
  const [unit, suffix] = Math.max(Math.abs(v), step) >= 1e6 ? [1e6, 'M'] : Math.max(Math.abs(v), step) >= 1e4 ? [1e3, 'k'] : [1, ''];
  const decimals = Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9));
  const text = (v / unit).toFixed(decimals);
  return Number(text) === 0 ? '0' : `${text}${suffix}`;
}

const LEGEND_ROW = 16;

/** Legend entries (a coloured stroke and the name) laid out in rows above the plot, never over the lines. */
function legend(series: Series[], left: number, right: number, top: number): { svg: string[]; rows: number } {
  const svg: string[] = [];
  let [x, row] = [left, 0];
  series.forEach((s, k) => {
    const c = COLORS[k % COLORS.length];
    const w = 22 + 7 * s.name.length; // stroke, gap, and ~7 px per character at 12 px
    if (x > left && x + w > right) [x, row] = [left, row + 1];
    const y = top + row * LEGEND_ROW;
    svg.push(`<line x1="${x}" x2="${x + 16}" y1="${y - 4}" y2="${y - 4}" stroke="${c}" stroke-width="2"/>`);
    svg.push(`<text x="${x + 20}" y="${y}" font-size="12" fill="${c}">${esc(s.name)}</text>`);
    x += w + 14;
  });
  return { svg, rows: row + 1 };
}

/**
 * A line chart of one or more series (e.g. BIC and AIC against the number of components, or the explained
 * variance curve), with axes, round ticks, a legend above the plot and optional highlighted points.
 */
export function lineChart(series: Series[], opts: { title?: string; xLabel?: string; yLabel?: string; width?: number; height?: number; logX?: boolean } = {}): string {
  const { width = 480, height = 300, title = '', xLabel = '', yLabel = '', logX = false } = opts;
  const m = { l: 64, r: 16, t: title ? 32 : 12, b: 44 };
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (title) parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  const key = legend(series, m.l, width - m.r, m.t + 12);
  parts.push(...key.svg);
  m.t += key.rows * LEGEND_ROW + 6;
  const tx = (v: number) => (logX ? Math.log2(v) : v);
  const xs = series.flatMap((s) => Array.from(s.x, tx));
  const ys = series.flatMap((s) => Array.from(s.y)).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const yAxis = niceTicks(Math.min(...ys), Math.max(...ys));
  const [y0, y1] = [yAxis.lo, yAxis.hi];
  const X = (v: number) => m.l + ((tx(v) - x0) / (x1 - x0 || 1)) * (width - m.l - m.r);
  const Y = (v: number) => height - m.b - ((v - y0) / (y1 - y0)) * (height - m.t - m.b);
  for (const v of yAxis.ticks) {
    parts.push(`<line x1="${m.l}" x2="${width - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${Y(v) + 4}" text-anchor="end" font-size="11">${tickLabel(v, yAxis.step)}</text>`);
  }
  // x ticks: the data's own x values when there are few (k = 1, 2, 4 … on a log axis; epochs), else round ones.
  const xValues = [...new Set(series.flatMap((s) => Array.from(s.x)))].sort((a, b) => a - b);
  const xAxis = logX || xValues.length <= 12 ? undefined : niceTicks(x0, x1, 8);
  const xTicks = xAxis ? xAxis.ticks.filter((v) => v >= x0 && v <= x1) : xValues.filter((_, i) => i % Math.ceil(xValues.length / 12) === 0);
  xTicks.forEach((v) => parts.push(`<text x="${X(v)}" y="${height - m.b + 16}" text-anchor="middle" font-size="11">${xAxis ? tickLabel(v, xAxis.step) : fmt(v)}</text>`));
  parts.push(`<line x1="${m.l}" x2="${width - m.r}" y1="${height - m.b}" y2="${height - m.b}" stroke="#333"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${height - m.b}" stroke="#333"/>`);
  parts.push(`<text x="${(m.l + width - m.r) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(m.t + height - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`);
  series.forEach((s, k) => {
    const c = COLORS[k % COLORS.length];
    const pts = Array.from(s.x, (x, i) => `${X(x).toFixed(1)},${Y(s.y[i]).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    Array.from(s.x).forEach((x, i) => parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(s.y[i]).toFixed(1)}" r="${i === s.highlight ? 6 : 3}" fill="${i === s.highlight ? 'none' : c}" stroke="${c}" stroke-width="2"/>`));
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}

/** SVG charts placed side by side in one SVG (e.g. the BIC/AIC curves next to the cross-validation curve). */
export function sideBySide(charts: string[]): string {
  const size = (svg: string, attr: string) => Number(new RegExp(`^<svg[^>]*\\s${attr}="([\\d.]+)"`).exec(svg)?.[1] ?? 0);
  let x = 0;
  const inner = charts.map((svg) => {
    const placed = svg.replace(/^<svg /, `<svg x="${x}" y="0" `);
    x += size(svg, 'width');
    return placed;
  });
  const height = Math.max(...charts.map((svg) => size(svg, 'height')));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${x}" height="${height}" viewBox="0 0 ${x} ${height}" font-family="sans-serif">${inner.join('')}</svg>`;
}

/**
 * Small multiples: a histogram of each column of `values` (n × k, e.g. latent means) with the N(0, 1) density
 * drawn over it — how far each latent dimension is from the prior.
 */
export function latentHistograms(values: { rows: number; cols: number; get(i: number, j: number): number }, opts: { bins?: number; columns?: number; title?: string } = {}): string {
  const { bins = 24, title = "Latent means against N(0, 1)" } = opts;
  const columns = Math.min(opts.columns ?? 8, Math.max(1, values.cols));
  const [cw, ch, top] = [110, 80, title ? 28 : 8];
  const rows = Math.ceil(values.cols / columns);
  const [W, H] = [columns * cw, top + rows * ch];
  const lo = -4;
  const hi = 4;
  const step = (hi - lo) / bins;
  const parts = [`<rect width="${W}" height="${H}" fill="white"/>`];
  if (title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (let c = 0; c < values.cols; c++) {
    const [x0, y0] = [(c % columns) * cw + 6, top + Math.floor(c / columns) * ch + 4];
    const [w, h] = [cw - 12, ch - 22];
    const counts = new Array(bins).fill(0);
    for (let i = 0; i < values.rows; i++) {
      const b = Math.floor((values.get(i, c) - lo) / step);
      if (b >= 0 && b < bins) counts[b]++;
    }
    const density = counts.map((k) => k / (values.rows * step));
    const peak = Math.max(0.45, ...density);
    density.forEach((v, b) => parts.push(`<rect x="${(x0 + (b * w) / bins).toFixed(1)}" y="${(y0 + h - (v / peak) * h).toFixed(1)}" width="${(w / bins - 0.5).toFixed(1)}" height="${((v / peak) * h).toFixed(1)}" fill="#9ecae1"/>`));
    const pts = Array.from({ length: 41 }, (_, k) => {
      const x = lo + (k * (hi - lo)) / 40;
      const v = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
      return `${(x0 + ((x - lo) / (hi - lo)) * w).toFixed(1)},${(y0 + h - (v / peak) * h).toFixed(1)}`;
    });
    parts.push(`<polyline fill="none" stroke="#d62728" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    parts.push(`<text x="${x0 + w / 2}" y="${y0 + h + 14}" text-anchor="middle" font-size="10">z${c}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join('')}</svg>`;
}

/** A scatter plot of 2-D points (e.g. a t-SNE map), coloured by an integer label when given. */
export function scatter(points: { rows: number; get(i: number, j: number): number }, opts: { labels?: ArrayLike<number>; labelNames?: string[]; title?: string; size?: number } = {}): string {
  const { size = 420, title = '' } = opts;
  const m = 20;
  const top = title ? 28 : 8;
  const xs = Array.from({ length: points.rows }, (_, i) => points.get(i, 0));
  const ys = Array.from({ length: points.rows }, (_, i) => points.get(i, 1));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const X = (v: number) => m + ((v - x0) / (x1 - x0 || 1)) * (size - 2 * m);
  const Y = (v: number) => top + (1 - (v - y0) / (y1 - y0 || 1)) * (size - m - top);
  const parts = [`<rect width="${size}" height="${size}" fill="white"/>`];
  if (title) parts.push(`<text x="${size / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i < points.rows; i++) parts.push(`<circle cx="${X(xs[i]).toFixed(1)}" cy="${Y(ys[i]).toFixed(1)}" r="2.5" fill="${opts.labels ? COLORS[opts.labels[i] % COLORS.length] : '#333'}" fill-opacity="0.8"/>`);
  (opts.labelNames ?? []).forEach((name, k) => parts.push(`<text x="${size - 8}" y="${top + 14 + 14 * k}" text-anchor="end" font-size="11" fill="${COLORS[k % COLORS.length]}">${esc(name)}</text>`));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif">${parts.join('')}</svg>`;
}
