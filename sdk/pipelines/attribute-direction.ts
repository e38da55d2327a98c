// An attribute's direction in a latent space, as long as one standard deviation of the codes along it when asked
// (so that a strength means the same on any model). Measured in bench/quality/smile.mjs.
import { GaussfaceError } from '../errors.js';
import { asMatrix, type MatrixLike } from '../matrix.js';

export interface DirectionOptions {
  /** 'unit' (default): length 1; 'spread': the standard deviation of the codes' projections onto it. */
  scale?: 'unit' | 'spread';
}

/** Mean code with an attribute (label > 0) minus mean code without it (label 0 or −1), scaled as asked. */
export function attributeDirection(codes: MatrixLike, labels: ArrayLike<number>, opts: DirectionOptions = {}): Float32Array {
  const Z = asMatrix(codes, 'codes', { minRows: 2 });
  const [n, L] = [Z.rows, Z.cols];
  if (labels.length !== n) throw new GaussfaceError(`attribute direction: ${labels.length} labels for ${n} codes`, 'ESHAPE');
  const { scale = 'unit' } = opts;
  if (scale !== 'unit' && scale !== 'spread') throw new GaussfaceError(`attribute direction: scale must be 'unit' or 'spread', got '${scale}'`, 'EINPUT');
  const [pos, neg] = [new Float64Array(L), new Float64Array(L)];
  let np = 0;
  for (let i = 0; i < n; i++) {
    const into = labels[i] > 0 ? pos : neg;
    for (let c = 0; c < L; c++) into[c] += Z.data[i * L + c];
    if (labels[i] > 0) np++;
  }
  if (!np || np === n) throw new GaussfaceError('attribute direction: needs codes with the attribute (label 1) and without it (label 0 or −1)', 'EINPUT');
  const v = Float64Array.from(pos, (p, c) => p / np - neg[c] / (n - np));
  const len = Math.hypot(...v) || 1;
  let size = 1;
  if (scale === 'spread') {
    const proj = Float64Array.from({ length: n }, (_, i) => Z.row(i).reduce((s, x, c) => s + (x * v[c]) / len, 0));
    const mean = proj.reduce((s, x) => s + x, 0) / n;
    size = Math.sqrt(proj.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  }
  return Float32Array.from(v, (x) => (x / len) * size);
}
