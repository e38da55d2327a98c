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

/** A float64 tensor `prefix + name` of exactly `shape`, or an EFORMAT error naming it. */
export function f64Tensor(t: Record<string, Tensor>, name: string, shape: number[]): Float64Array {
  const x = t[name];
  if (!x) throw broken(`tensor "${name}" is missing`);
  if (x.dtype !== 'F64') throw broken(`tensor "${name}" is ${x.dtype}, expected F64`);
  if (x.shape.length !== shape.length || x.shape.some((s, i) => s !== shape[i])) throw broken(`tensor "${name}" has shape [${x.shape}], expected [${shape}]`);
  if (!x.data.every(Number.isFinite)) throw broken(`tensor "${name}" contains NaN or Infinity`);
  return x.data as Float64Array;
}

/** An integer metadata field within [min, max]. */
export function intField(meta: Record<string, string>, key: string, min: number, max: number): number {
  const v = Number(meta[key]);
  if (!Number.isInteger(v) || v < min || v > max) throw broken(`metadata "${key}" = ${JSON.stringify(meta[key])}, expected an integer from ${min} to ${max}`);
  return v;
}

/** A metadata field that must be one of `allowed`. */
export function enumField<T extends string>(meta: Record<string, string>, key: string, allowed: readonly T[]): T {
  const v = meta[key] as T;
  if (!allowed.includes(v)) throw broken(`metadata "${key}" = ${JSON.stringify(v)}, expected one of ${allowed.join(', ')}`);
  return v;
}
