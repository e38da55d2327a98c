// Data-set file formats: idx (MNIST / Fashion-MNIST, after gunzip) and CelebA's attribute list.
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';

/** An idx file of unsigned bytes (magic 0x00000803 images or 0x00000801 labels): its shape and data. */
export function readIdx(bytes: Uint8Array): { shape: number[]; data: Uint8Array } {
  const bad = (why: string) => new GaussfaceError(`not an idx file: ${why}`, 'EFORMAT');
  if (bytes.length < 4) throw bad('too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint16(0) !== 0) throw bad('bad magic number (gunzip .gz files first)');
  if (bytes[2] !== 0x08) throw bad(`element type 0x${bytes[2].toString(16)} is not unsigned bytes`);
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 4 || bytes.length < 4 + 4 * ndim) throw bad(`${ndim} dimensions`);
  const shape = Array.from({ length: ndim }, (_, i) => dv.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (bytes.length - start !== count) throw bad(`shape [${shape}] needs ${count} bytes of data, the file has ${bytes.length - start} (truncated?)`);
  return { shape, data: bytes.subarray(start) };
}

/** idx images as rows of pixels in [0, 1] (n × rows·cols). */
export function idxImages(bytes: Uint8Array): Matrix<Float32Array> {
  const { shape, data } = readIdx(bytes);
  const n = shape[0];
  const d = shape.slice(1).reduce((a, b) => a * b, 1);
  return new Matrix(n, d, Float32Array.from(data, (v) => v / 255));
}

/**
 * CelebA's `list_attr_celeba.txt` format: an optional count line, a line of attribute names, then one line per
 * image: file name followed by ±1 per attribute. Values become 0/1.
 */
export function parseAttributes(text: string): { names: string[]; files: string[]; values: Matrix<Float32Array> } {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (/^\d+$/.test(lines[0])) lines.shift();
  const names = lines.shift()?.split(/\s+/) ?? [];
  if (!names.length) throw new GaussfaceError('attributes file has no header line of attribute names', 'EFORMAT');
  const files: string[] = [];
  const values = new Float32Array(lines.length * names.length);
  lines.forEach((line, i) => {
    const parts = line.split(/\s+/);
    if (parts.length !== names.length + 1) throw new GaussfaceError(`attributes file line ${i + 3}: ${parts.length - 1} values for ${names.length} attributes`, 'EFORMAT');
    files.push(parts[0]);
    for (let j = 0; j < names.length; j++) values[i * names.length + j] = parts[j + 1] === '1' ? 1 : 0;
  });
  return { names, files, values: new Matrix(files.length, names.length, values) };
}
