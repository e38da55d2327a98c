// Extracting an (ustar) tar archive into a folder — how LFW is distributed — refusing any entry that would land
// outside the folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { GaussfaceError } from '../errors.js';

const field = (b: Uint8Array, at: number, len: number) => {
  const end = b.subarray(at, at + len).indexOf(0);
  return new TextDecoder().decode(b.subarray(at, at + (end < 0 ? len : end)));
};

/** Writes every regular file and folder of the archive under `dest`; returns the files written. */
export function extractTar(tar: Uint8Array, dest: string): string[] {
  const written: string[] = [];
  const root = normalize(dest) + sep;
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((x) => x === 0)) break;
    const name = [field(h, 345, 155), field(h, 0, 100)].filter(Boolean).join('/');
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || at + 512 + size > tar.length) throw new GaussfaceError(`tar archive is truncated at entry ${name}`, 'EFORMAT');
    const type = String.fromCharCode(h[156] || 0x30);
    const target = normalize(join(dest, name));
    if (!(target + sep).startsWith(root) && target !== normalize(dest)) throw new GaussfaceError(`tar entry ${name} would be written outside ${dest}; archive refused`, 'EFORMAT');
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0') {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, tar.subarray(at + 512, at + 512 + size));
      written.push(target);
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return written;
}
