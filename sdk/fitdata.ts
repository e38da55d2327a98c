// Fit-time helpers shared by the models: how a fit chunks its rows, column means, chunk-order sums.
import type { Engine } from './engine.js';
import type { Dataset, Pool } from './pool.js';
import { tasks } from './tasks/index.js';

/** At most this many chunks per fit (bounded per-call results, balanced workers). */
const MAX_CHUNKS = 32;
const MIN_CHUNK_BYTES = 1 << 20;
const MAX_CHUNK_BYTES = 1 << 26;

/**
 * Rows per chunk for a fit whose per-chunk statistics take `statBytes`: at most 32 chunks, statistics at most a
 * quarter of the chunk, chunks between 64 KiB and 64 MiB. A function of the shape only (never of the number of
 * workers), so chunk-order reductions give the same bits with any pool.
 */
export function fitChunkRows(n: number, d: number, statBytes: number): number {
  const rowBytes = 4 * Math.max(1, d);
  let r = Math.max(Math.ceil(n / MAX_CHUNKS), Math.ceil((4 * statBytes) / rowBytes), Math.ceil(MIN_CHUNK_BYTES / rowBytes));
  r = Math.max(1, Math.min(r, Math.floor(MAX_CHUNK_BYTES / rowBytes)));
  r = Math.ceil(n / Math.ceil(n / r)); // same number of chunks, rows spread evenly (no short last chunk)
  return Math.max(8, Math.ceil(r / 8) * 8);
}

/** Uploads n × d rows chunked by `fitChunkRows` (all in one worker with `oneWorker`). */
export function uploadForFit(pool: Pool, data: Float32Array, n: number, d: number, statBytes: number, signal?: AbortSignal, oneWorker = false): Promise<Dataset> {
  return pool.upload(data, n, d, { chunkRows: fitChunkRows(n, d, statBytes), signal, oneWorker });
}

/** Column means of a resident dataset (f64 sums reduced in chunk order). */
export async function columnMeans(pool: Pool, ds: Dataset, signal?: AbortSignal): Promise<Float64Array> {
  const sum = sumParts(await pool.map(tasks.pca.colSums, ds, {}, { signal }));
  return sum.map((s) => s / ds.rows);
}

/**
 * Parts between these lengths are summed in the engine (SIMD, no JS element loop); smaller ones gain nothing
 * there, and larger ones would grow the calling thread's wasm memory for good (it never shrinks).
 */
const ENGINE_SUM_MIN = 1 << 14;
const ENGINE_SUM_MAX = 1 << 22;

/**
 * Element-wise sum of per-chunk arrays, in chunk order (f64). Given an engine, long parts are added there —
 * 3–4× faster for PCA's 655,360-value sketch parts, which the calling thread sums while the workers wait — with
 * the same bits: each step is one f64 add of the exactly widened value, as below.
 */
export function sumParts(parts: ArrayLike<number>[], engine?: Engine): Float64Array {
  const n = parts[0].length;
  if (engine && n >= ENGINE_SUM_MIN && n <= ENGINE_SUM_MAX && parts.every((p) => p instanceof Float32Array || p instanceof Float64Array))
    return engine.scoped((take) => {
      const acc = take(n * 8);
      const part = take(n * 8);
      engine.f64(acc, n).fill(0);
      for (const p of parts as (Float32Array | Float64Array)[]) {
        const f32 = p instanceof Float32Array;
        (f32 ? engine.f32(part, n) : engine.f64(part, n)).set(p);
        engine.call(f32 ? 'add_f32_to_f64' : 'add_f64', n, part, acc);
      }
      return engine.f64(acc, n).slice();
    });
  const out = new Float64Array(n);
  for (const p of parts) for (let i = 0; i < n; i++) out[i] += p[i];
  return out;
}

/** Per-chunk statistics with every array field summed (sumParts' f64 sums) and numbers added, in chunk order. */
export type SummedStats<T> = { [K in keyof T]: T[K] extends number ? number : Float64Array };

/**
 * Sums per-chunk statistics field by field in chunk order (the order that makes results independent of the
 * worker count): numbers are added, arrays go through sumParts. Shared by the mixtures' M-steps.
 */
export function sumStats<T extends { [K in keyof T]: number | Float32Array | Float64Array }>(parts: T[], engine?: Engine): SummedStats<T> {
  const out: Record<string, number | Float64Array> = {};
  for (const key of Object.keys(parts[0]) as (keyof T & string)[])
    out[key] = typeof parts[0][key] === 'number' ? parts.reduce((t, p) => t + (p[key] as number), 0) : sumParts(parts.map((p) => p[key] as ArrayLike<number>), engine);
  return out as SummedStats<T>;
}
