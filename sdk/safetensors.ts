// The safetensors format (8-byte little-endian header length, JSON header, raw little-endian tensors), so
// numpy/PyTorch users can open gaussface models. Decoding validates every header field before touching data:
// a truncated or hostile file is an EFORMAT error, never a huge allocation or a wrong read.
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

function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  return 'U8';
}

/** Serialises named tensors and string metadata. Tensors are written in name order, 8-byte aligned. */
export function encodeSafetensors(tensors: Record<string, { shape: number[]; data: TensorData }>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new GaussfaceError(`tensor ${name}: shape [${shape}] needs ${count} values, got ${data.length}`, 'ESHAPE');
    header[name] = { dtype: dtypeOf(data), shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8; // data starts 8-byte aligned; pad with spaces
  const head = new Uint8Array(padded).fill(0x20);
  head.set(json);
  json = head;
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    out.set(littleEndianBytes(tensors[name].data), at);
    at += tensors[name].data.byteLength;
  }
  return out;
}

function littleEndianBytes(data: TensorData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let j = 0; j < w; j++) out[i + j] = bytes[i + w - 1 - j];
  return out;
}

/** Parses and validates a safetensors file; tensors are copies (aligned, independent of `bytes`). */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw bad(`file is truncated: ${bytes.length} bytes, the header length alone takes 8`);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER)) throw bad(`header length ${headerLen} is implausibly large`);
  const hl = Number(headerLen);
  if (8 + hl > bytes.length) throw bad(`file is truncated: the header needs ${8 + hl} bytes, the file has ${bytes.length}`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hl)));
  } catch (e) {
    throw bad(`header is not JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const dataLen = bytes.length - 8 - hl;
  const metadata: Record<string, string> = {};
  const meta = header.__metadata__ ?? {};
  if (typeof meta !== 'object' || Array.isArray(meta)) throw bad('__metadata__ is not an object');
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') throw bad(`metadata "${k}" is not a string`);
    metadata[k] = v;
  }
  const spans: [number, number, string][] = [];
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!t || typeof t !== 'object') throw bad(`tensor "${name}" has no description`);
    const { dtype, shape, data_offsets: off } = t as { dtype: DType; shape: unknown; data_offsets: unknown };
    if (!(dtype in ITEM)) throw bad(`tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)} (expected F32, F64, I32 or U8)`);
    if (!Array.isArray(shape) || shape.some((s) => !Number.isSafeInteger(s) || s < 0)) throw bad(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0) || off[0] > off[1])
      throw bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(off)}`);
    let count = 1;
    for (const s of shape as number[]) {
      count *= s;
      if (count * ITEM[dtype] > dataLen) throw bad(`tensor "${name}" of shape [${shape}] needs more bytes than the file has (${dataLen})`);
    }
    if (off[1] - off[0] !== count * ITEM[dtype]) throw bad(`tensor "${name}": shape [${shape}] × ${ITEM[dtype]} bytes ≠ its ${off[1] - off[0]} bytes of data`);
    if (off[1] > dataLen) throw bad(`file is truncated: tensor "${name}" ends at byte ${off[1]} of a ${dataLen}-byte data section`);
    spans.push([off[0], off[1], name]);
    const src = bytes.subarray(8 + hl + off[0], 8 + hl + off[1]);
    const copy = new Uint8Array(src.length);
    copy.set(src);
    const data = new CTOR[dtype](copy.buffer);
    if (!LITTLE_ENDIAN && ITEM[dtype] > 1) data.set(new CTOR[dtype](littleEndianBytes(data).buffer as ArrayBuffer));
    tensors[name] = { dtype, shape: shape as number[], data };
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++)
    if (spans[i][0] < spans[i - 1][1]) throw bad(`tensors "${spans[i - 1][2]}" and "${spans[i][2]}" overlap`);
  return { tensors, metadata };
}
