// Worker side of K-Means: per resident chunk, the Lloyd step (bounds, distance GEMM of the unsettled rows, labels,
// running per-cluster f64 sums), the final labels and exact inertia, distances for transform, the farthest points
// for empty clusters, and the two passes of each greedy k-means++ step. Results are per chunk, reduced by the
// caller in chunk order. The GEMM and the bounds work on the prepared (centred) rows; labels the GEMM cannot
// decide, the sums, the inertia and the farthest points use the rows as given (dataset `raw`, same chunks).
//
// A "prepared" chunk (made by kmeans.prepare; its dataset's width is preparedCols) holds, one block after the
// other: Hamerly's upper and lower bounds (rows each, f64) | Elkan's lower bound per centre (rows × K f32 rounded
// down, for K ≤ 64) | running cluster sums (K × d, f64) | their weights (K, f64) | then Xc (rows × d, f32: the rows
// minus the column means) | ‖Xc row‖² (rows, f32) | labels (rows, i32) | members per cluster (K, i32).
// A k-means++ state chunk (1 + L columns) holds: closest squared distance (rows) | candidate distances (rows × L).
import type { Engine } from '../engine.js';
import type { Chunk, TaskContext } from '../executor.js';
import { defineTask } from './define.js';

type Take = (bytes: number) => number;

/**
 * Centres with a per-centre lower bound per row: all up to 64 (at most 256 bytes a row), none beyond, where n × K
 * bounds would outgrow the data itself (colour quantisation with K = 256 on a million pixels).
 */
const centreBoundsFor = (K: number) => (K <= 64 ? K : 0);

/** Byte offsets of the blocks of a prepared chunk of `rows` rows at `ptr`. */
function layout(ptr: number, rows: number, d: number, K: number) {
  const u = ptr;
  const l = u + rows * 8;
  const lc = l + rows * 8;
  const sums = lc + Math.ceil((rows * centreBoundsFor(K)) / 4) * 16; // f32 bounds, padded to keep the f64 blocks aligned
  const wsum = sums + K * d * 8;
  const x = wsum + K * 8;
  const xnorm = x + rows * d * 4;
  const labels = xnorm + rows * 4;
  const members = labels + rows * 4;
  return { u, l, lc: centreBoundsFor(K) ? lc : 0, sums, wsum, x, xnorm, labels, members, bytes: members + K * 4 - ptr };
}

/** Width (f32 columns) of a prepared dataset: its chunks hold `layout`'s blocks. */
export function preparedCols(rows: number, d: number, K: number): number {
  return Math.ceil(layout(0, rows, d, K).bytes / 4 / Math.max(1, rows));
}

const prepared = (c: Chunk, d: number, K: number) => layout(c.ptr, c.rows, d, K);

/** Row `i` of a prepared chunk (centred, f32), a copy. */
export function preparedRow(e: Engine, c: Chunk, i: number, d: number, K: number): Float32Array {
  return e.f32(prepared(c, d, K).x + (i - c.row0) * d * 4, d).slice();
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

/** XC = Xc·Cᵀ (rows × K) for `rows` prepared rows at `x`. */
function distanceGemm(e: Engine, rows: number, x: number, d: number, K: number, ct: number, XC: number): void {
  e.call('gemm', 0, 0, rows, K, d, 1, x, d, ct, K, 0, XC, K);
}

export interface PrepareParams {
  /** Column means (f64, d). */
  mean: Float64Array;
  /** Clusters the chunks are prepared for. */
  K: number;
  /** Id of the derived dataset that receives the prepared chunks. */
  into: number;
}

/** Centres each raw chunk on the means (subtraction in f64) and keeps it prepared; returns Σ ‖x − mean‖². */
const prepare = ({ engine: e, chunks, keep }: TaskContext, p: PrepareParams) =>
  e.scoped((take) => {
    const d = p.mean.length;
    const mean = take(d * 8);
    e.f64(mean, d).set(p.mean);
    return chunks.map((c) =>
      e.scoped((t) => {
        const n = c.rows;
        const cols = preparedCols(n, d, p.K);
        const buf = t(n * cols * 4);
        e.u32(buf, n * cols).fill(0);
        const norms = t(n * 8);
        const b = layout(buf, n, d, p.K);
        const ssq = e.call('center_rows_f64', n, d, c.ptr, d, mean, b.x, norms);
        e.call('f64_to_f32', n, norms, b.xnorm);
        e.call('copy', n * cols, buf, keep(p.into, c, cols));
        return ssq;
      }),
    );
  });

export interface CentresParams {
  /** Centres in the centred coordinates, K × d, f32 (for the GEMM). */
  centres: Float32Array;
  /** The same centres in the coordinates of the rows as given (f64, K × d), for exact distances to those rows. */
  exact: Float64Array;
  /** Resident dataset of the rows as given (not centred: centring rounds), chunked like the prepared rows. */
  raw: number;
  K: number;
  d: number;
  /** Resident sample-weight dataset (1 column), if any. */
  wId?: number;
}

export interface LloydParams extends CentresParams {
  /** First step of a run: no labels or bounds yet. */
  fresh: boolean;
  /** How far each centre moved since the last step, its two largest values and the index of the largest. */
  delta: Float64Array;
  dmax1: number;
  dmax2: number;
  amax: number;
  /** Half the distance from each centre to its nearest other centre. */
  s: Float64Array;
  /** How far each f32 centre (`centres`) is from the exact one. */
  cerr: Float64Array;
  /** Σ of each centre's moves since the run's first step (the offsets of the per-centre bounds). */
  drift: Float64Array;
}

/** Per-chunk result of a Lloyd step. */
export interface LloydPart {
  /** Σ w·x per cluster (K × d, f64, of the rows as given) and Σ w (K) over the chunk's rows with their new labels. */
  sums: Float64Array;
  counts: Float64Array;
  /** Labels that differ from the chunk's previous ones. */
  changed: number;
  /** Rows whose distances were computed (the others were settled by their bounds). */
  computed: number;
}

/**
 * One Lloyd step on each prepared chunk: Hamerly's bounds pick the rows that may change cluster, only those go
 * through the distance GEMM; labels, bounds and the running cluster sums stay resident.
 */
const lloyd = ({ engine: e, chunks, resident }: TaskContext, p: LloydParams) =>
  e.scoped((take) => {
    const { K, d } = p;
    const { ct, cnorm } = putCentres(e, take, p.centres, K, d);
    const rows = maxRows(chunks);
    const XC = take(rows * K * 4);
    const idx = take(rows * 4);
    const gathered = p.fresh ? 0 : take(rows * d * 4);
    const drift = take(K * 8);
    e.f64(drift, K).set(p.drift);
    const C = take(K * d * 8);
    e.f64(C, K * d).set(p.exact);
    const [C32, cerr, delta, s] = p.fresh ? [0, 0, 0, 0] : [take(K * d * 4), take(K * 8), take(K * 8), take(K * 8)];
    if (!p.fresh) {
      e.f32(C32, K * d).set(p.centres);
      e.f64(cerr, K).set(p.cerr);
      e.f64(delta, K).set(p.delta);
      e.f64(s, K).set(p.s);
    }
    return chunks.map((c): LloydPart => {
      const b = prepared(c, d, K);
      let m = c.rows;
      let src = b.x;
      if (p.fresh) {
        e.i32(b.labels, c.rows).fill(-1);
        e.u32(b.sums, (K * d + K) * 2).fill(0);
        e.i32(b.members, K).fill(0);
      } else {
        m = e.call('kmeans_bounds', c.rows, d, K, b.x, b.labels, b.u, b.l, b.lc, drift, C32, cerr, delta, s, p.dmax1, p.dmax2, p.amax, idx, gathered);
        src = gathered;
      }
      let changed = 0;
      if (m > 0) {
        distanceGemm(e, m, src, d, K, ct, XC);
        changed = e.call('kmeans_update', m, d, K, XC, cnorm, resident(p.raw, c.index).ptr, C, p.fresh ? 0 : idx, b.xnorm, weightsOf(resident, c, p.wId), b.labels, b.u, b.l, b.lc, drift, b.sums, b.wsum, b.members);
      }
      return { sums: e.f64(b.sums, K * d).slice(), counts: e.f64(b.wsum, K).slice(), changed, computed: m };
    });
  });

/** Labels (recomputed for `centres` when `relabel`, else the resident ones) and the exact inertia for `exact`. */
const finish = ({ engine: e, chunks, resident }: TaskContext, p: CentresParams & { relabel: boolean }) =>
  e.scoped((take) => {
    const { K, d } = p;
    const { ct, cnorm } = putCentres(e, take, p.centres, K, d);
    const C = take(K * d * 8);
    e.f64(C, K * d).set(p.exact);
    const XC = take(maxRows(chunks) * K * 4);
    return chunks.map((c) => {
      const b = prepared(c, d, K);
      const raw = resident(p.raw, c.index).ptr;
      if (p.relabel) {
        distanceGemm(e, c.rows, b.x, d, K, ct, XC);
        e.call('kmeans_assign', c.rows, d, K, XC, cnorm, b.xnorm, raw, C, b.labels);
      }
      const inertia = e.call('kmeans_inertia', c.rows, d, raw, b.labels, weightsOf(resident, c, p.wId), C);
      return { labels: e.i32(b.labels, c.rows).slice(), inertia };
    });
  });

/** Euclidean distance of every row to every centre (rows × K, f32). */
const transform = ({ engine: e, chunks }: TaskContext, p: CentresParams) =>
  e.scoped((take) => {
    const { K, d } = p;
    const { ct, cnorm } = putCentres(e, take, p.centres, K, d);
    const XC = take(maxRows(chunks) * K * 4);
    const D = take(maxRows(chunks) * K * 4);
    const pot = take(K * 8);
    return chunks.map((c) => {
      const b = prepared(c, d, K);
      distanceGemm(e, c.rows, b.x, d, K, ct, XC);
      e.call('kmeans_pp_dist', c.rows, K, XC, b.xnorm, cnorm, 0, 0, D, pot);
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
  /** The rows as given (m × d). */
  rows: Float64Array;
}

/**
 * The `m` rows of each chunk with the largest squared distance to the centre of their label (exact, for the
 * centres `exact` of the step that assigned them; ties → lower row).
 */
const farthest = ({ engine: e, chunks, resident }: TaskContext, p: { m: number; d: number; K: number; exact: Float64Array; raw: number; wId?: number }) =>
  e.scoped((take) => {
    const { d, K } = p;
    const C = take(K * d * 8);
    e.f64(C, K * d).set(p.exact);
    const out = take(maxRows(chunks) * 8);
    return chunks.map((c): FarPart => {
      const b = prepared(c, d, K);
      const raw = resident(p.raw, c.index).ptr;
      e.call('kmeans_row_dist', c.rows, d, raw, b.labels, C, out);
      const dist = e.f64(out, c.rows);
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
      const x = e.f32(raw, c.rows * d);
      const rows = new Float64Array(top.length * d);
      top.forEach((i, r) => rows.set(x.subarray(i * d, (i + 1) * d), r * d));
      return {
        dist: top.map((i) => dist[i]),
        index: top.map((i) => c.row0 + i),
        label: top.map((i) => labels[i]),
        weight: top.map((i) => (w ? w[i] : 1)),
        rows,
      };
    });
  });

export interface PlusPlusDistParams {
  /** Candidate rows (centred, L × d, f32). */
  rows: Float32Array;
  L: number;
  d: number;
  /** Clusters the chunks were prepared for. */
  K: number;
  /** The k-means++ state dataset and its width (1 + the number of local trials). */
  state: number;
  width: number;
  /** First centre: no closest distances yet (the state chunk is created). */
  first: boolean;
  wId?: number;
}

/** Distances to L candidates, min'd with the closest centre so far (kept resident); per-candidate potentials. */
const ppDist = ({ engine: e, chunks, keep, resident }: TaskContext, p: PlusPlusDistParams) =>
  e.scoped((take) => {
    const { L, d } = p;
    const { ct, cnorm } = putCentres(e, take, p.rows, L, d);
    const XC = take(maxRows(chunks) * L * 4);
    const pot = take(L * 8);
    return chunks.map((c) => {
      if (p.first) e.f32(keep(p.state, c, p.width), c.rows * p.width).fill(0);
      const closest = resident(p.state, c.index).ptr;
      const b = prepared(c, d, p.K);
      distanceGemm(e, c.rows, b.x, d, L, ct, XC);
      e.f64(pot, L).fill(0);
      const w = weightsOf(resident, c, p.wId);
      e.call('kmeans_pp_dist', c.rows, L, XC, b.xnorm, cnorm, p.first ? 0 : closest, w, closest + c.rows * 4, pot);
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
const ppSearch = ({ engine: e, chunks, resident }: TaskContext, p: PlusPlusSearchParams) =>
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

export const kmeansTasks = {
  prepare: defineTask('kmeans.prepare', prepare),
  lloyd: defineTask('kmeans.lloyd', lloyd),
  finish: defineTask('kmeans.finish', finish),
  transform: defineTask('kmeans.transform', transform),
  farthest: defineTask('kmeans.farthest', farthest),
  ppDist: defineTask('kmeans.ppDist', ppDist),
  ppSearch: defineTask('kmeans.ppSearch', ppSearch),
};
