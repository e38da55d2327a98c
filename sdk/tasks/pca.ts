// Worker side of PCA (column sums are shared with K-Means): per resident chunk, the statistics each pass of the
// 'full' and 'randomized' solvers needs, the sign decision of svd_flip, and the projections. Results are per
// chunk, reduced by the caller in chunk order.
import type { Engine } from '../engine.js';
import type { Chunk, TaskContext } from '../executor.js';
import { defineTask } from './define.js';

type Take = (bytes: number) => number;

const maxRows = (chunks: readonly Chunk[]) => Math.max(0, ...chunks.map((c) => c.rows));

function putF64(e: Engine, take: Take, a: Float64Array): number {
  const p = take(a.length * 8);
  e.f64(p, a.length).set(a);
  return p;
}

function putF32(e: Engine, take: Take, a: Float32Array): number {
  const p = take(a.length * 4);
  e.f32(p, a.length).set(a);
  return p;
}

/** Column sums of each chunk (f64, d). */
const colSums = ({ engine: e, chunks }: TaskContext) =>
  chunks.map((c) =>
    e.scoped((take) => {
      const s = take(c.cols * 8);
      e.f64(s, c.cols).fill(0);
      e.call('col_sums', c.rows, c.cols, c.ptr, c.cols, s);
      return e.f64(s, c.cols).slice();
    }),
  );

/** Lower triangle of each chunk's centred Gram matrix Σ (x − mean)(x − mean)ᵀ, exact in f64 (d × d). */
const gram = ({ engine: e, chunks }: TaskContext, p: { mean: Float64Array }) =>
  e.scoped((take) => {
    const d = p.mean.length;
    const mean = putF64(e, take, p.mean);
    const G = take(d * d * 8);
    const work = take(e.call('pca_gram_workspace', d));
    return chunks.map((c) => {
      e.f64(G, d * d).fill(0);
      e.call('pca_gram', c.rows, d, c.ptr, d, mean, G, d, work);
      return e.f64(G, d * d).slice();
    });
  });

export interface SketchParams {
  /** Columns of the chunks. */
  d: number;
  /**
   * The column means: each chunk is centred into scratch (f32 rows of the f64 differences) and its Σ ‖x − mean‖²
   * returned. Without them the rows are used as they are (already centred).
   */
  mean?: Float64Array;
  /** d × l test matrix (f32). */
  Z: Float32Array;
  l: number;
  /** Keep Y = Xc·Z resident as this dataset id (for the sign pass). */
  keepY?: number;
  /**
   * This executor holds every chunk: sum G and P over them in chunk order in engine memory (f64, the order and
   * arithmetic of the caller's sumParts) and return the sums once, with the last chunk, instead of one per chunk.
   */
  sum?: boolean;
}

/** Per-chunk result of a sketch pass (with `sum`: null, but for the last chunk's, which holds the sums). */
export interface SketchPart {
  /** With `mean`: the chunk's Σ ‖x − mean‖² (else 0). */
  ssq: number;
  /** YᵀY (l × l lower triangle, exact f64) with Y = Xc·Z. */
  G: Float64Array;
  /** Xcᵀ·Y (d × l): f32, or with `sum` the f64 sum over the chunks. */
  P: Float32Array | Float64Array;
}

/** One pass of the randomized range finder over centred chunks Xc: Y = Xc·Z, its Gram matrix and Xcᵀ·Y. */
const sketch = ({ engine: e, chunks, keep, copyOut }: TaskContext, p: SketchParams) =>
  e.scoped((take) => {
    const { d, l } = p;
    const Z = putF32(e, take, p.Z);
    const [mean, centred] = p.mean ? [putF64(e, take, p.mean), take(maxRows(chunks) * d * 4)] : [0, 0];
    const Y = take(maxRows(chunks) * l * 4);
    const G = take(l * l * 8);
    const P = take(d * l * 4);
    const work = take(e.call('pca_gram_workspace', l));
    const [Gs, Ps] = p.sum ? [take(l * l * 8), take(d * l * 8)] : [0, 0];
    if (p.sum) {
      e.f64(Gs, l * l).fill(0);
      e.f64(Ps, d * l).fill(0);
    }
    let ssqSum = 0;
    return chunks.map((c, i): SketchPart | null => {
      const ssq = mean ? e.call('center_rows_f64', c.rows, d, c.ptr, d, mean, centred, 0) : 0;
      const X = mean ? centred : c.ptr;
      e.call('gemm', 0, 0, c.rows, l, d, 1, X, d, Z, l, 0, Y, l);
      e.f64(G, l * l).fill(0);
      e.call('pca_gram', c.rows, l, Y, l, 0, G, l, work);
      e.call('gemm', 1, 0, d, l, c.rows, 1, X, d, Y, l, 0, P, l);
      if (p.keepY !== undefined) e.call('copy', c.rows * l, Y, keep(p.keepY, c, l));
      if (!p.sum) return { ssq, G: copyOut(e.f64(G, l * l)), P: copyOut(e.f32(P, d * l)) };
      ssqSum += ssq; // chunk order, as the caller's sum of per-chunk results
      e.call('add_f64', l * l, G, Gs);
      e.call('add_f32_to_f64', d * l, P, Ps);
      return i === chunks.length - 1 ? { ssq: ssqSum, G: e.f64(Gs, l * l).slice(), P: e.f64(Ps, d * l).slice() } : null;
    });
  });

export interface ProjectParams {
  /** Centre the chunk on these means first (raw data); omitted for an already projected dataset. */
  mean?: Float64Array;
  /** cols × k projection (f32). */
  W: Float32Array;
  k: number;
}

/** chunk (centred when `mean` is given) · W, into `out` (rows × k). */
function project(e: Engine, take: Take, c: Chunk, p: ProjectParams, dev: { mean: number; W: number }, out: number): void {
  let src = c.ptr;
  if (p.mean) {
    src = take(c.rows * c.cols * 4);
    e.call('center_rows_f64', c.rows, c.cols, c.ptr, c.cols, dev.mean, src, 0);
  }
  e.call('gemm', 0, 0, c.rows, p.k, c.cols, 1, src, c.cols, dev.W, p.k, 0, out, p.k);
}

function putProjection(e: Engine, take: Take, p: ProjectParams) {
  return { mean: p.mean ? putF64(e, take, p.mean) : 0, W: putF32(e, take, p.W) };
}

/**
 * svd_flip's decision: for each column of chunk·W, the entry of largest magnitude (the first one on ties);
 * its sign is the sign of that column of U.
 */
const signs = ({ engine: e, chunks }: TaskContext, p: ProjectParams) =>
  e.scoped((take) => {
    const dev = putProjection(e, take, p);
    return chunks.map((c) =>
      e.scoped((t) => {
        const out = t(c.rows * p.k * 4);
        project(e, t, c, p, dev, out);
        const U = e.f32(out, c.rows * p.k);
        const best = new Float32Array(p.k);
        for (let i = 0; i < c.rows; i++)
          for (let j = 0; j < p.k; j++) if (Math.abs(U[i * p.k + j]) > Math.abs(best[j])) best[j] = U[i * p.k + j];
        return best;
      }),
    );
  });

/** (chunk − mean)·W, each column then multiplied by `scale` (whitening) when given (rows × k, f32). */
const transform = ({ engine: e, chunks }: TaskContext, p: ProjectParams & { scale?: Float64Array }) =>
  e.scoped((take) => {
    const dev = putProjection(e, take, p);
    return chunks.map((c) =>
      e.scoped((t) => {
        const out = t(c.rows * p.k * 4);
        project(e, t, c, p, dev, out);
        const Y = e.f32(out, c.rows * p.k).slice();
        if (p.scale) for (let i = 0; i < Y.length; i++) Y[i] *= p.scale[i % p.k];
        return Y;
      }),
    );
  });

/** Y·C + mean for a chunk of projections Y (rows × k): C is k × d (f32), mean (d, f32). */
const inverse = ({ engine: e, chunks }: TaskContext, p: { C: Float32Array; mean: Float32Array }) =>
  e.scoped((take) => {
    const d = p.mean.length;
    const C = putF32(e, take, p.C);
    const out = take(maxRows(chunks) * d * 4);
    return chunks.map((c) => {
      const o = e.f32(out, c.rows * d);
      for (let i = 0; i < c.rows; i++) o.set(p.mean, i * d);
      e.call('gemm', 0, 0, c.rows, d, c.cols, 1, c.ptr, c.cols, C, d, 1, out, d);
      return e.f32(out, c.rows * d).slice();
    });
  });

export interface ScoreParams extends ProjectParams {
  mean: Float64Array;
  /** log-likelihood = c0 − ½·(Σ_j a_j·z_j² + b·(‖x − mean‖² − ‖z‖²)), z = (x − mean)·W. */
  a: Float64Array;
  b: number;
  c0: number;
}

/** Probabilistic-PCA log-likelihood of each row (f64). */
const scoreSamples = ({ engine: e, chunks }: TaskContext, p: ScoreParams) =>
  e.scoped((take) => {
    const dev = putProjection(e, take, p);
    const d = p.mean.length;
    return chunks.map((c) =>
      e.scoped((t) => {
        const norms = t(c.rows * 8);
        const Xc = t(c.rows * d * 4);
        e.call('center_rows_f64', c.rows, d, c.ptr, d, dev.mean, Xc, norms);
        const out = t(c.rows * p.k * 4);
        e.call('gemm', 0, 0, c.rows, p.k, d, 1, Xc, d, dev.W, p.k, 0, out, p.k);
        const z = e.f32(out, c.rows * p.k);
        const nrm = e.f64(norms, c.rows);
        const ll = new Float64Array(c.rows);
        for (let i = 0; i < c.rows; i++) {
          let q = 0;
          let zz = 0;
          for (let j = 0; j < p.k; j++) {
            const v = z[i * p.k + j];
            q += p.a[j] * v * v;
            zz += v * v;
          }
          ll[i] = p.c0 - 0.5 * (q + (p.b ? p.b * (nrm[i] - zz) : 0));
        }
        return ll;
      }),
    );
  });

export const pcaTasks = {
  colSums: defineTask('pca.colSums', colSums),
  gram: defineTask('pca.gram', gram),
  sketch: defineTask('pca.sketch', sketch),
  signs: defineTask('pca.signs', signs),
  transform: defineTask('pca.transform', transform),
  inverse: defineTask('pca.inverse', inverse),
  scoreSamples: defineTask('pca.scoreSamples', scoreSamples),
};
