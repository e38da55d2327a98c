// Models as named tensors + string metadata (what a safetensors file holds), and the checks that a loaded
// state is complete and consistent before any model uses it.
import { GaussfaceError } from './errors.js';
import type { Tensor, TensorData } from './safetensors.js';

export type TensorMap = Record<string, { shape: number[]; data: TensorData }>;

export interface ModelState {
  tensors: TensorMap;
  metadata: Record<string, string>;
}

const broken = (why: string) => new GaussfaceError(`model file is inconsistent: ${why}`, 'EFORMAT');

/** The largest float32: the engine stores every model value as float32, so a float64 beyond it is ±Infinity there. */
const F32_MAX = 3.4028234663852886e38;

/** Index of the first NaN, ±Infinity or value beyond float32 in `data`, or -1 (an indexed loop: files hold millions of values). */
function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!(Math.abs(data[i]) <= F32_MAX)) return i;
  return -1;
}

/** A finite float tensor `name` of `dtype` and exactly `shape`, or an EFORMAT error naming it. */
function floatTensor(t: Record<string, Tensor>, name: string, dtype: 'F32' | 'F64', shape: number[]): TensorData {
  const x = Object.hasOwn(t, name) ? t[name] : undefined; // names are fixed strings, but the keys come from a file
  if (!x) throw broken(`tensor "${name}" is missing`);
  if (x.dtype !== dtype) throw broken(`tensor "${name}" is ${x.dtype}, expected ${dtype}`);
  if (x.shape.length !== shape.length || x.shape.some((s, i) => s !== shape[i])) throw broken(`tensor "${name}" has shape [${x.shape}], expected [${shape}]`);
  const bad = firstNonFinite(x.data);
  if (bad >= 0) throw broken(`tensor "${name}" contains NaN or Infinity (${x.data[bad]} at index ${bad}${Number.isFinite(x.data[bad]) ? ', beyond float32' : ''}); the file is corrupt or was saved from a diverged model`);
  return x.data;
}

/** A finite float64 tensor `name` of exactly `shape`, or an EFORMAT error naming it. */
export const f64Tensor = (t: Record<string, Tensor>, name: string, shape: number[]) => floatTensor(t, name, 'F64', shape) as Float64Array;
/** A finite float32 tensor `name` of exactly `shape`, or an EFORMAT error naming it. */
export const f32Tensor = (t: Record<string, Tensor>, name: string, shape: number[]) => floatTensor(t, name, 'F32', shape) as Float32Array;

/** The length of the 1-D tensor `name` (0 when it is missing: the shape check then names it). */
export const lengthOf = (t: Record<string, Tensor>, name: string): number => (Object.hasOwn(t, name) ? t[name].shape[0] ?? 0 : 0);

/** A finite number metadata field (absent: `fallback`), at least `min`. */
export function numberField(meta: Record<string, string>, key: string, fallback: number, min = -Infinity): number {
  if (!Object.hasOwn(meta, key)) return fallback;
  const v = Number(meta[key]);
  if (!Number.isFinite(v) || v < min) throw broken(`metadata "${key}" = ${JSON.stringify(meta[key])}, expected a finite number${min > -Infinity ? ` ≥ ${min}` : ''}`);
  return v;
}

/** An integer metadata field within [min, max]. */
export function intField(meta: Record<string, string>, key: string, min: number, max: number): number {
  const v = Number(Object.hasOwn(meta, key) ? meta[key] : undefined);
  if (!Number.isInteger(v) || v < min || v > max) throw broken(`metadata "${key}" = ${JSON.stringify(meta[key])}, expected an integer from ${min} to ${max}`);
  return v;
}

/** A metadata field that must be one of `allowed`. */
export function enumField<T extends string>(meta: Record<string, string>, key: string, allowed: readonly T[]): T {
  const v = (Object.hasOwn(meta, key) ? meta[key] : undefined) as T;
  if (!allowed.includes(v)) throw broken(`metadata "${key}" = ${JSON.stringify(v)}, expected one of ${allowed.join(', ')}`);
  return v;
}
