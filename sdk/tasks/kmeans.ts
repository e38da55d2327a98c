// Worker side of K-Means: per resident chunk, the Lloyd step (distance GEMM, labels, per-cluster f64 sums), the
// final labels and exact inertia, distances for transform, the farthest points for empty clusters, and the two
// passes of each greedy k-means++ step. Results are per chunk, reduced by the caller in chunk order.
//
// A "prepared" chunk (dataset of d + 3 columns, made by kmeans.prepare) holds, one block after the other:
//   Xc (rows × d, f32: the rows minus the column means) | ‖Xc row‖² (rows, f32) | labels (rows, i32) | squared
//   distance to the nearest centre (rows, f32).
// A k-means++ state chunk (1 + L columns) holds: closest squared distance (rows) | candidate distances (rows × L).
import type { Engine } from '../engine.js';
import type { Chunk, Task } from '../executor.js';

type Take = (bytes: number) => number;

/** Byte offsets of the blocks of a prepared chunk. */
function prepared(c: Chunk, d: number) {
  const x = c.ptr;
  const xnorm = x + c.rows * d * 4;
  const labels = xnorm + c.rows * 4;
  const mindist = labels + c.rows * 4;
  return { x, xnorm, labels, mindist };
}

/** Copies K centre rows (K × d, f32) into the engine transposed (d × K), with their squared norms (K, f32). */
function putCentres(e: Engine, take: Take, rows: Float32Array, K: number, d: number): { ct: number; cnorm: number } {
  const ct = take(K * d * 4);
  const cnorm = take(K * 4);
  const t = e.f32(ct, K * d);
  const nrm = e.f32(cnorm, K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = rows[k * d + j];
      t[j * K + k] = v;
      s += v * v;
    }
    nrm[k] = s;
  }
  return { ct, cnorm };
}

const maxRows = (chunks: readonly Chunk[]) => Math.max(0, ...chunks.map((c) => c.rows));
const weightsOf = (resident: (id: number, i: number) => Chunk, c: Chunk, wId?: number) => (wId === undefined ? 0 : resident(wId, c.index).ptr);

/** XC = Xc·Cᵀ (rows × K) for a prepared chunk. */
function distanceGemm(e: Engine, c: Chunk, d: number, K: number, ct: number, XC: number): void {
  e.call('gemm', 0, 0, c.rows, K, d, 1, c.ptr, d, ct, K, 0, XC, K);
}

export interface PrepareParams {
  /** Column means (f64, d). */
  mean: Float64Array;
  /** Id of the derived dataset (d + 3 columns) that receives the prepared chunks. */
  into: number;
}

/** Centres each raw chunk on the means (subtraction in f64) and keeps it prepared; returns Σ ‖x − mean‖². */
const prepare: Task = ({ engine: e, chunks, keep }, p: PrepareParams) =>
  e.scoped((take) => {
    const d = p.mean.length;
    const mean = take(d * 8);
    e.f64(mean, d).set(p.mean);
    return chunks.map((c) =>
      e.scoped((t) => {
        const n = c.rows;
        const buf = t(n * (d + 3) * 4);
        const norms = t(n * 8);
        const ssq = e.call('center_rows_f64', n, d, c.ptr, d, mean, buf, norms);
        const { xnorm, labels, mindist } = prepared({ ...c, ptr: buf }, d);
        e.call('f64_to_f32', n, norms, xnorm);
        e.i32(labels, n).fill(-1);
        e.f32(mindist, n).fill(0);
        keep(p.into, c, e.f32(buf, n * (d + 3)).slice(), d + 3);
        return ssq;
      }),
    );
  });

export interface CentresParams {
  /** Centres in the centred coordinates, K × d (f32). */
  centres: Float32Array;
  K: number;
  d: number;
  /** Resident sample-weight dataset (1 column), if any. */
  wId?: number;
}

/** Per-chunk result of a Lloyd step. */
export interface LloydPart {
  /** Σ w·x per cluster (K × d, f64) and Σ w (K). */
  sums: Float64Array;
  counts: Float64Array;
  /** Labels that differ from the chunk's previous ones. */
  changed: number;
  /** Σ w·(squared distance to the nearest centre). */
  inertia: number;
}

/** One Lloyd step on each prepared chunk: labels for `centres` (kept resident), then the cluster sums. */
const lloyd: Task = ({ engine: e, chunks, resident }, p: CentresParams & { fresh: boolean }) =>
  e.scoped((take) => {
    const { K, d } = p;
    const { ct, cnorm } = putCentres(e, take, p.centres, K, d);
    const XC = take(maxRows(chunks) * K * 4);
    const sums = take(K * d * 8);
    const counts = take(K * 8);
    return chunks.map((c): LloydPart => {
      const b = prepared(c, d);
      if (p.fresh) e.i32(b.labels, c.rows).fill(-1);
      distanceGemm(e, c, d, K, ct, XC);
      const changed = e.call('kmeans_assign', c.rows, K, XC, K, cnorm, b.xnorm, b.labels, b.mindist);
      e.f64(sums, K * d).fill(0);
      e.f64(counts, K).fill(0);
      const inertia = e.call('kmeans_sums', c.rows, d, b.x, b.labels, weightsOf(resident, c, p.wId), b.mindist, sums, counts);
      return { sums: e.f64(sums, K * d).slice(), counts: e.f64(counts, K).slice(), changed, inertia };
    });
  });

/** Labels (recomputed for `centres` when `relabel`, else the resident ones) and the exact inertia for `exact`. */
const finish: Task = ({ engine: e, chunks, resident }, p: CentresParams & { exact: Float64Array; relabel: boolean }) =>
  e.scoped((take) => {
    const { K, d } = p;
    const { ct, cnorm } = putCentres(e, take, p.centres, K, d);
    const C = take(K * d * 8);
    e.f64(C, K * d).set(p.exact);
    const XC = take(maxRows(chunks) * K * 4);
    return chunks.map((c) => {
      const b = prepared(c, d);
      if (p.relabel) {
        distanceGemm(e, c, d, K, ct, XC);
        e.call('kmeans_assign', c.rows, K, XC, K, cnorm, b.xnorm, b.labels, b.mindist);
      }
      const inertia = e.call('kmeans_inertia', c.rows, d, b.x, b.labels, weightsOf(resident, c, p.wId), C);
      return { labels: e.i32(b.labels, c.rows).slice(), inertia };
    });
  });

/** Euclidean distance of every row to every centre (rows × K, f32). */
const transform: Task = ({ engine: e, chunks }, p: CentresParams) =>
  e.scoped((take) => {
    const { K, d } = p;
    const { ct, cnorm } = putCentres(e, take, p.centres, K, d);
    const XC = take(maxRows(chunks) * K * 4);
    const D = take(maxRows(chunks) * K * 4);
    const pot = take(K * 8);
    return chunks.map((c) => {
      distanceGemm(e, c, d, K, ct, XC);
      e.call('kmeans_pp_dist', c.rows, K, XC, prepared(c, d).xnorm, cnorm, 0, 0, D, pot);
      const out = e.f32(D, c.rows * K).slice();
      for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]);
      return out;
    });
  });

/** Candidates for empty clusters: a chunk's rows farthest from their centre, by distance then row. */
export interface FarPart {
  dist: number[];
  /** Global row index. */
  index: number[];
  label: number[];
  weight: number[];
  /** The rows (centred, m × d). */
  rows: Float64Array;
}

/** The `m` rows of each chunk with the largest squared distance to their nearest centre (ties → lower row). */
const farthest: Task = ({ engine: e, chunks, resident }, p: { m: number; d: number; wId?: number }) =>
  chunks.map((c): FarPart => {
    const b = prepared(c, p.d);
    const dist = e.f32(b.mindist, c.rows);
    const top: number[] = [];
    for (let i = 0; i < c.rows; i++) {
      if (top.length === p.m && !(dist[i] > dist[top[p.m - 1]])) continue;
      let at = top.length;
      while (at > 0 && dist[i] > dist[top[at - 1]]) at--;
      top.splice(at, 0, i);
      if (top.length > p.m) top.pop();
    }
    const labels = e.i32(b.labels, c.rows);
    const w = p.wId === undefined ? undefined : e.f32(resident(p.wId, c.index).ptr, c.rows);
    const x = e.f32(b.x, c.rows * p.d);
    const rows = new Float64Array(top.length * p.d);
    top.forEach((i, r) => rows.set(x.subarray(i * p.d, (i + 1) * p.d), r * p.d));
    return {
      dist: top.map((i) => dist[i]),
      index: top.map((i) => c.row0 + i),
      label: top.map((i) => labels[i]),
      weight: top.map((i) => (w ? w[i] : 1)),
      rows,
    };
  });

export interface PlusPlusDistParams {
  /** Candidate rows (centred, L × d, f32). */
  rows: Float32Array;
  L: number;
  d: number;
  /** The k-means++ state dataset and its width (1 + the number of local trials). */
  state: number;
  width: number;
  /** First centre: no closest distances yet (the state chunk is created). */
  first: boolean;
  wId?: number;
}

/** Distances to L candidates, min'd with the closest centre so far (kept resident); per-candidate potentials. */
const ppDist: Task = ({ engine: e, chunks, keep, resident }, p: PlusPlusDistParams) =>
  e.scoped((take) => {
    const { L, d } = p;
    const { ct, cnorm } = putCentres(e, take, p.rows, L, d);
    const XC = take(maxRows(chunks) * L * 4);
    const pot = take(L * 8);
    return chunks.map((c) => {
      if (p.first) keep(p.state, c, new Float32Array(c.rows * p.width), p.width);
      const closest = resident(p.state, c.index).ptr;
      distanceGemm(e, c, d, L, ct, XC);
      e.f64(pot, L).fill(0);
      const w = weightsOf(resident, c, p.wId);
      e.call('kmeans_pp_dist', c.rows, L, XC, prepared(c, d).xnorm, cnorm, p.first ? 0 : closest, w, closest + c.rows * 4, pot);
      return e.f64(pot, L).slice();
    });
  });

export interface PlusPlusSearchParams {
  state: number;
  /** Width of the last candidate block and the chosen candidate. */
  L: number;
  best: number;
  /** Per chunk index: ascending targets of the cumulative potential, relative to the chunk's start. */
  targets: Record<number, Float64Array>;
  wId?: number;
}

/** Commits the chosen candidate as the closest distances; finds the rows where the targets fall (global rows). */
const ppSearch: Task = ({ engine: e, chunks, resident }, p: PlusPlusSearchParams) =>
  chunks.map((c) =>
    e.scoped((take) => {
      const tg = p.targets[c.index] ?? new Float64Array(0);
      const m = tg.length;
      const targets = take(m * 8 + 8);
      e.f64(targets, m).set(tg);
      const out = take(m * 4 + 4);
      const closest = resident(p.state, c.index).ptr;
      e.call('kmeans_pp_search', c.rows, p.L, closest + c.rows * 4, p.best, weightsOf(resident, c, p.wId), closest, targets, m, out);
      return Int32Array.from(e.i32(out, m), (i) => c.row0 + i);
    }),
  );

export const kmeansTasks: Record<string, Task> = {
  'kmeans.prepare': prepare,
  'kmeans.lloyd': lloyd,
  'kmeans.finish': finish,
  'kmeans.transform': transform,
  'kmeans.farthest': farthest,
  'kmeans.ppDist': ppDist,
  'kmeans.ppSearch': ppSearch,
};
