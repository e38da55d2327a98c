// A reader for one numeric matrix in a MATLAB level-5 .mat file (little-endian, compressed or not): what the
// Olivetti faces are distributed as.
import { inflateSync } from 'node:zlib';
import { GaussfaceError } from '../errors.js';

const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
// miINT8 … miDOUBLE: element types whose values a numeric matrix may hold.
const NUMERIC: Record<number, [number, (v: DataView, o: number) => number]> = {
  1: [1, (v, o) => v.getInt8(o)], 2: [1, (v, o) => v.getUint8(o)], 3: [2, (v, o) => v.getInt16(o, true)], 4: [2, (v, o) => v.getUint16(o, true)],
  5: [4, (v, o) => v.getInt32(o, true)], 6: [4, (v, o) => v.getUint32(o, true)], 7: [4, (v, o) => v.getFloat32(o, true)], 9: [8, (v, o) => v.getFloat64(o, true)],
};

const bad = (why: string) => new GaussfaceError(`not a readable .mat file: ${why}`, 'EFORMAT');

interface Element {
  type: number;
  data: Uint8Array;
  next: number;
}

/** The data element at `at` (regular or small format), or null at the end. */
function element(bytes: Uint8Array, at: number): Element | null {
  if (at + 8 > bytes.length) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
  const first = v.getUint32(0, true);
  if (first >>> 16) return { type: first & 0xffff, data: bytes.subarray(at + 4, at + 4 + (first >>> 16)), next: at + 8 };
  const n = v.getUint32(4, true);
  if (at + 8 + n > bytes.length) throw bad(`an element of ${n} bytes runs past the end of the file (truncated?)`);
  return { type: first, data: bytes.subarray(at + 8, at + 8 + n), next: at + 8 + n + ((8 - (n % 8)) % 8) };
}

/**
 * A compressed element's bytes, at most `max` of them: zlib stops there, so a small "zlib bomb" (1.5 MB that
 * inflates to gigabytes) is an EFORMAT error instead of exhausting memory; corrupt streams are EFORMAT too.
 */
function inflate(data: Uint8Array, max: number): Uint8Array {
  try {
    return inflateSync(data, { maxOutputLength: max });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw bad(`a compressed element inflates to more than ${max} bytes (the limit; pass a larger maxInflated if the file is genuine)`);
    throw bad(`a compressed element is corrupt or truncated (${(e as Error).message})`);
  }
}

/**
 * The matrix called `name` as column-major values with its dimensions. A compressed element may inflate to at
 * most `maxInflated` bytes (default 256 MiB; Olivetti's faces are 13 MB).
 */
export function readMat(file: Uint8Array, name: string, { maxInflated = 256 * 2 ** 20 }: { maxInflated?: number } = {}): { shape: number[]; data: Float64Array } {
  if (file.length < 128) throw bad('shorter than the 128-byte header');
  if (file[126] !== 0x49 || file[127] !== 0x4d) throw bad('not a little-endian level-5 MAT file');
  for (let at = 128; ; ) {
    const el = element(file, at);
    if (!el) break;
    at = el.next;
    const m = el.type === MI_COMPRESSED ? element(inflate(el.data, maxInflated), 0) : el;
    if (!m || m.type !== MI_MATRIX) continue;
    const subs: Element[] = [];
    for (let p = 0, s; (s = element(m.data, p)); p = s.next) subs.push(s);
    if (subs.length < 4) continue;
    const label = new TextDecoder().decode(subs[2].data);
    if (label !== name) continue;
    const dv = new DataView(subs[1].data.buffer, subs[1].data.byteOffset, subs[1].data.byteLength);
    const shape = Array.from({ length: subs[1].data.length / 4 }, (_, i) => dv.getInt32(4 * i, true));
    const kind = NUMERIC[subs[3].type];
    if (!kind) throw bad(`matrix '${name}' has element type ${subs[3].type}, not a numeric type`);
    const [size, read] = kind;
    const count = shape.reduce((a, b) => a * b, 1);
    if (subs[3].data.length !== count * size) throw bad(`matrix '${name}' of shape ${shape.join('×')} has ${subs[3].data.length} bytes of data`);
    const rv = new DataView(subs[3].data.buffer, subs[3].data.byteOffset, subs[3].data.byteLength);
    return { shape, data: Float64Array.from({ length: count }, (_, i) => read(rv, i * size)) };
  }
  throw bad(`no matrix named '${name}'`);
}
