// A picture as a 2-D point cloud fitted by a Gaussian mixture and rendered back: the density on the pixel
// grid, and samples drawn with scaled covariances (below 1: sharper than the data), coloured by component.
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';
import type { GaussianMixture } from '../mixture/gmm.js';

/** Every pixel darker than `threshold` (gray in [0, 1], row-major) as a point (x = column, y = height − 1 − row). */
export function imageToPoints(gray: ArrayLike<number>, width: number, height: number, threshold = 0.15): Matrix<Float64Array> {
  if (gray.length !== width * height) throw new GaussfaceError(`image has ${gray.length} pixels, ${width}×${height} needs ${width * height}`, 'ESHAPE');
  const pts: number[] = [];
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) if (gray[r * width + c] < threshold) pts.push(c, height - 1 - r);
  if (pts.length < 4) throw new GaussfaceError(`only ${pts.length / 2} pixels are darker than the threshold ${threshold}; raise the threshold`, 'EINPUT');
  return new Matrix(pts.length / 2, 2, Float64Array.from(pts));
}

/** exp(log-density) of the mixture at every pixel centre, square-root scaled to [0, 1] (row-major gray). */
export async function densityImage(gmm: GaussianMixture, width: number, height: number): Promise<Float32Array> {
  const grid = new Float32Array(width * height * 2);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) grid.set([c, height - 1 - r], (r * width + c) * 2);
  const logp = await gmm.scoreSamples({ data: grid, shape: [width * height, 2] });
  const dens = Float32Array.from(logp, (v) => Math.sqrt(Math.exp(v)));
  const top = dens.reduce((a, b) => Math.max(a, b), 0) || 1;
  return dens.map((v) => 1 - v / top); // dark where dense, like the input drawing
}

const PALETTE = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [148, 103, 189], [255, 127, 14], [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];

/** Points drawn on a white RGB canvas (HWC in [0, 1]), coloured by label when given. */
export function renderPoints(points: Matrix, width: number, height: number, labels?: ArrayLike<number>): Float32Array {
  const img = new Float32Array(width * height * 3).fill(1);
  for (let i = 0; i < points.rows; i++) {
    const c = Math.round(points.get(i, 0));
    const r = height - 1 - Math.round(points.get(i, 1));
    if (c < 0 || c >= width || r < 0 || r >= height) continue;
    const col = labels ? PALETTE[labels[i] % PALETTE.length] : [0, 0, 0];
    for (let ch = 0; ch < 3; ch++) img[(r * width + c) * 3 + ch] = col[ch] / 255;
  }
  return img;
}
