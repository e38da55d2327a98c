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

/** Short tick labels: 1.2k, 3.4M, 0.05. */
function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) || a >= 10 ? v.toFixed(0) : v.toPrecision(2);
}

/**
 * A line chart of one or more series (e.g. BIC and AIC against the number of components, or the explained
 * variance curve), with axes, ticks, a legend and optional highlighted points.
 */
export function lineChart(series: Series[], opts: { title?: string; xLabel?: string; yLabel?: string; width?: number; height?: number; logX?: boolean } = {}): string {
  const { width = 480, height = 300, title = '', xLabel = '', yLabel = '', logX = false } = opts;
  const m = { l: 64, r: 16, t: title ? 32 : 12, b: 44 };
  const tx = (v: number) => (logX ? Math.log2(v) : v);
  const xs = series.flatMap((s) => Array.from(s.x, tx));
  const ys = series.flatMap((s) => Array.from(s.y)).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const X = (v: number) => m.l + ((tx(v) - x0) / (x1 - x0 || 1)) * (width - m.l - m.r);
  const Y = (v: number) => height - m.b - ((v - y0) / (y1 - y0)) * (height - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (title) parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<line x1="${m.l}" x2="${width - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${Y(v) + 4}" text-anchor="end" font-size="11">${fmt(v)}</text>`);
  }
  const xTicks = [...new Set(series.flatMap((s) => Array.from(s.x)))].sort((a, b) => a - b);
  const step = Math.ceil(xTicks.length / 10);
  xTicks.filter((_, i) => i % step === 0).forEach((v) => parts.push(`<text x="${X(v)}" y="${height - m.b + 16}" text-anchor="middle" font-size="11">${fmt(v)}</text>`));
  parts.push(`<line x1="${m.l}" x2="${width - m.r}" y1="${height - m.b}" y2="${height - m.b}" stroke="#333"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${height - m.b}" stroke="#333"/>`);
  parts.push(`<text x="${(m.l + width - m.r) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(m.t + height - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`);
  series.forEach((s, k) => {
    const c = COLORS[k % COLORS.length];
    const pts = Array.from(s.x, (x, i) => `${X(x).toFixed(1)},${Y(s.y[i]).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    Array.from(s.x).forEach((x, i) => parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(s.y[i]).toFixed(1)}" r="${i === s.highlight ? 6 : 3}" fill="${i === s.highlight ? 'none' : c}" stroke="${c}" stroke-width="2"/>`));
    parts.push(`<text x="${width - m.r - 8}" y="${m.t + 14 + 16 * k}" text-anchor="end" font-size="12" fill="${c}">${esc(s.name)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}
