// The safetensors format (8-byte little-endian header length, JSON header, raw little-endian tensors), so
// numpy/PyTorch users can open gaussface models. Decoding validates the whole header against the file size
// before it reads or allocates anything: a truncated or hostile file is an EFORMAT error, never a huge
// allocation or a wrong read.
import { GaussfaceError } from './errors.js';

export type DType = 'F32' | 'F64' | 'I32' | 'U8';
export type TensorData = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

const ITEM: Record<DType, number> = { F32: 4, F64: 8, I32: 4, U8: 1 };
const CTOR = { F32: Float32Array, F64: Float64Array, I32: Int32Array, U8: Uint8Array } as const;
/** Headers larger than this are refused (the format's reference implementation uses 100 MB). */
const MAX_HEADER = 100_000_000;
const bad = (why: string) => new GaussfaceError(`not a valid safetensors model file: ${why}`, 'EFORMAT');
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// Header names come from the file: look them up as own properties only, so that a dtype called "toString" or a
// tensor called "__proto__" is an unknown name, not something inherited from Object.prototype.
const own = (o: object, key: string): unknown => (Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined);
/** Sets `o[key]` as an own data property even for "__proto__" (plain assignment would replace the prototype). */
const put = <T>(o: Record<string, T>, key: string, value: T) => Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });

/** What a model file may be given as: a Uint8Array, a Node Buffer (often a view into a larger pool) or an ArrayBuffer. */
export type FileBytes = Uint8Array | ArrayBuffer;

/**
 * A plain Uint8Array over exactly the file's bytes. A Node Buffer is a Uint8Array whose `.buffer` is often a shared
 * pool and whose `slice` is a view, not a copy: reading through a plain view of its own span avoids both traps.
 */
export function fileBytes(bytes: FileBytes, who = 'decodeSafetensors'): Uint8Array {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (bytes instanceof Uint8Array) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new GaussfaceError(`${who}: expected the file as a Uint8Array, Buffer or ArrayBuffer, got ${bytes === null ? 'null' : typeof bytes === 'object' ? (bytes as object).constructor?.name ?? 'an object' : typeof bytes}`, 'EINPUT');
}

function dtypeOf(data: TensorData): DType | undefined {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Uint8Array) return 'U8';
  return undefined;
}

const isShape = (shape: unknown): shape is number[] => Array.isArray(shape) && shape.every((s) => Number.isSafeInteger(s) && s >= 0);

/** Number of elements of `shape`, or Infinity when it exceeds what any file could hold. */
function elementCount(shape: number[]): number {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const s of shape) if ((count *= s) > Number.MAX_SAFE_INTEGER) return Infinity;
  return count;
}

/**
 * Serialises named tensors and string metadata. Tensors are written in name order; the header is padded with
 * spaces so that the data starts 8-byte aligned. `dtype` may be omitted (it follows the typed array).
 *
 * ```js
 * const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) } }, { version: '1' });
 * decodeSafetensors(bytes).tensors.w.shape; // [2, 2]
 * ```
 */
export function encodeSafetensors(tensors: Record<string, { dtype?: DType; shape: number[]; data: TensorData }>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  for (const [k, v] of Object.entries(metadata))
    if (typeof v !== 'string') throw new GaussfaceError(`encodeSafetensors: metadata "${k}" must be a string, got ${typeof v} (use String(value))`, 'EINPUT');
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__' || !name) throw new GaussfaceError(`encodeSafetensors: "${name}" cannot be a tensor name`, 'EINPUT');
    const { dtype, shape, data } = tensors[name];
    const actual = dtypeOf(data);
    if (!actual) throw new GaussfaceError(`encodeSafetensors: tensor ${name} must be a Float32Array, Float64Array, Int32Array or Uint8Array`, 'EINPUT');
    if (dtype !== undefined && dtype !== actual) throw new GaussfaceError(`encodeSafetensors: tensor ${name} is declared ${dtype} but its data is ${actual}; convert the data or fix the dtype`, 'EINPUT');
    if (!isShape(shape)) throw new GaussfaceError(`encodeSafetensors: tensor ${name} has shape ${JSON.stringify(shape)}; a shape is a list of non-negative integers`, 'ESHAPE');
    const count = elementCount(shape);
    if (count !== data.length) throw new GaussfaceError(`encodeSafetensors: tensor ${name}: shape [${shape}] needs ${count} values, got ${data.length}`, 'ESHAPE');
    put(header, name, { dtype: actual, shape, data_offsets: [offset, offset + data.byteLength] });
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8; // 8 + headerLen is then a multiple of 8
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const name of names) {
    out.set(littleEndianBytes(tensors[name].data), at);
    at += tensors[name].data.byteLength;
  }
  return out;
}

function littleEndianBytes(data: TensorData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1 ? bytes : swapBytes(bytes, data.BYTES_PER_ELEMENT);
}

/** A copy of `bytes` with every `width`-byte element reversed (little- ↔ big-endian). */
function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j];
  return out;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** One header entry, checked on its own (types, shape, span), without reading any tensor bytes. */
function entry(name: string, t: unknown, fileLength: number): Entry {
  if (!t || typeof t !== 'object' || Array.isArray(t)) throw bad(`tensor "${name}" has no description`);
  const [dtype, shape, off] = [own(t, 'dtype'), own(t, 'shape'), own(t, 'data_offsets')];
  if (typeof dtype !== 'string' || !Object.hasOwn(ITEM, dtype)) throw bad(`tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)} (expected F32, F64, I32 or U8)`);
  if (!isShape(shape)) throw bad(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0) || off[0] > off[1])
    throw bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(off)}`);
  const item = ITEM[dtype as DType];
  const bytes = elementCount(shape) * item;
  const span = off[1] - off[0];
  if (bytes > fileLength && bytes !== span) throw bad(`tensor "${name}" of shape [${shape}] needs more bytes than the file has (${bytes} > ${fileLength}); the header is corrupt`);
  if (bytes !== span) throw bad(`tensor "${name}": shape [${shape}] × ${item} bytes = ${bytes} ≠ its ${span} bytes of data`);
  return { name, dtype: dtype as DType, shape, begin: off[0], end: off[1] };
}

/**
 * Parses and validates a safetensors file (dtypes, shapes, offsets that tile the data section exactly, the file
 * length) before copying any tensor; tensors are copies, aligned and independent of `file` (a Uint8Array, a Node
 * Buffer — also one read with readFileSync, a view into a shared pool — or an ArrayBuffer). Names from the file
 * (tensors, metadata keys) are own properties of the results, "__proto__" included.
 */
export function decodeSafetensors(file: FileBytes): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const bytes = fileBytes(file);
  if (bytes.length < 8) throw bad(`file is truncated: expected at least 8 bytes, got ${bytes.length}`);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER)) throw bad(`header length ${headerLen} is implausibly large (the limit is ${MAX_HEADER} bytes)`);
  const hl = Number(headerLen);
  if (8 + hl > bytes.length) throw bad(`file is truncated: expected at least ${8 + hl} bytes (the header), got ${bytes.length}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hl)));
  } catch (e) {
    throw bad(`header is not JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const meta = own(header, '__metadata__') ?? {};
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw bad('__metadata__ is not an object');
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') throw bad(`metadata "${k}" is not a string`);
    put(metadata, k, v);
  }
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, t]) => entry(name, t, bytes.length));
  // The tensors must tile the data section: sorted by offset, no overlap, no hole, nothing after the last.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].begin < sorted[i - 1].end) throw bad(`tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap`);
  let end = 0;
  for (const e of sorted) {
    if (e.begin !== end) throw bad(`data bytes ${end}–${e.begin} belong to no tensor (before "${e.name}")`);
    end = e.end;
  }
  const expected = 8 + hl + end;
  if (expected > bytes.length) throw bad(`file is truncated: expected ${expected} bytes, got ${bytes.length}`);
  if (expected < bytes.length) throw bad(`${bytes.length - expected} bytes after the last tensor belong to no tensor (expected ${expected} bytes, got ${bytes.length})`);
  const tensors: Record<string, Tensor> = {};
  for (const { name, dtype, shape, begin, end: stop } of entries) {
    const src = bytes.subarray(8 + hl + begin, 8 + hl + stop);
    const copy = LITTLE_ENDIAN ? src.slice() : swapBytes(src, ITEM[dtype]); // src is a plain Uint8Array: slice copies
    put(tensors, name, { dtype, shape, data: new CTOR[dtype](copy.buffer as ArrayBuffer) });
  }
  return { tensors, metadata };
}
