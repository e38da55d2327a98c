// Data-set file formats, runtime-neutral: idx (MNIST / Fashion-MNIST, gzipped or not) and CelebA's attribute list.
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';

/** A parsed idx file of unsigned bytes. */
export interface Idx {
  shape: number[];
  data: Uint8Array;
}

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Decompresses gzip bytes with the runtime's DecompressionStream (Node ≥ 18, Deno, browsers), stopping at
 * `maxBytes` of output (default 1 GiB): a small "gzip bomb" is an EFORMAT error, not an exhausted memory.
 */
export async function gunzip(bytes: Uint8Array, { maxBytes = 2 ** 30 }: { maxBytes?: number } = {}): Promise<Uint8Array> {
  if (!isGzip(bytes)) throw new GaussfaceError('gunzip: the bytes are not gzip data (no 1f 8b signature)', 'EFORMAT');
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      if ((total += r.value.length) > maxBytes) break;
      chunks.push(r.value);
    }
  } catch (e) {
    throw new GaussfaceError(`gunzip: the gzip data is corrupt or truncated (${(e as Error).message})`, 'EFORMAT');
  }
  if (total > maxBytes) {
    await reader.cancel().catch(() => {});
    throw new GaussfaceError(`gunzip: the data inflates to more than ${maxBytes} bytes (the limit; pass a larger maxBytes if the file is genuine)`, 'EFORMAT');
  }
  const out = new Uint8Array(total);
  chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
  return out;
}

/** An idx file of unsigned bytes (magic 0x00000803 images, 0x00000801 labels), already decompressed. */
export function readIdx(bytes: Uint8Array): Idx {
  const bad = (why: string) => new GaussfaceError(`not an idx file: ${why}`, 'EFORMAT');
  if (isGzip(bytes)) throw bad('the bytes are gzip-compressed; use loadIdx (which decompresses) or gunzip them first');
  if (bytes.length < 4) throw bad('too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint16(0) !== 0) throw bad('bad magic number');
  if (bytes[2] !== 0x08) throw bad(`element type 0x${bytes[2].toString(16)} is not unsigned bytes (0x08)`);
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 4 || bytes.length < 4 + 4 * ndim) throw bad(`${ndim} dimensions`);
  const shape = Array.from({ length: ndim }, (_, i) => dv.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (bytes.length - start !== count) throw bad(`shape [${shape}] needs ${count} bytes of data, the file has ${bytes.length - start} (truncated?)`);
  return { shape, data: bytes.subarray(start) };
}

/** An idx file, gzipped (`.gz`, as distributed) or not. */
export async function loadIdx(bytes: Uint8Array): Promise<Idx> {
  return readIdx(isGzip(bytes) ? await gunzip(bytes) : bytes);
}

/** idx images as rows of pixels in [0, 1] (n × rows·cols), from the file's bytes or a parsed idx. */
export function idxImages(idx: Uint8Array | Idx): Matrix<Float32Array> {
  const { shape, data } = idx instanceof Uint8Array ? readIdx(idx) : idx;
  const n = shape[0];
  const d = shape.slice(1).reduce((a, b) => a * b, 1);
  return new Matrix(n, d, Float32Array.from(data, (v) => v / 255));
}

/**
 * CelebA's `list_attr_celeba.txt` format: an optional count line, a line of attribute names, then one line per
 * image: file name followed by 1 or -1 per attribute. Values become 1 and 0.
 */
export function parseAttributes(text: string): { names: string[]; files: string[]; values: Matrix<Float32Array> } {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  let at = 0;
  const next = () => {
    while (at < lines.length && !lines[at]) at++;
    return at < lines.length ? lines[at++] : undefined;
  };
  let first = next();
  if (first !== undefined && /^\d+$/.test(first)) first = next(); // the count line (it may not match the rows)
  const names = first?.split(/\s+/) ?? [];
  if (!names.length) throw new GaussfaceError('attributes file has no header line of attribute names', 'EFORMAT');
  const files: string[] = [];
  const values: number[] = [];
  for (let line = next(); line !== undefined; line = next()) {
    const parts = line.split(/\s+/);
    if (parts.length !== names.length + 1) throw new GaussfaceError(`attributes file line ${at}: ${parts.length - 1} values for ${names.length} attributes`, 'EFORMAT');
    files.push(parts[0]);
    for (let j = 1; j <= names.length; j++) {
      if (parts[j] !== '1' && parts[j] !== '-1' && parts[j] !== '0') throw new GaussfaceError(`attributes file line ${at}: value '${parts[j]}' for ${names[j - 1]} is not 1 or -1`, 'EFORMAT');
      values.push(parts[j] === '1' ? 1 : 0);
    }
  }
  return { names, files, values: new Matrix(files.length, names.length, Float32Array.from(values)) };
}
