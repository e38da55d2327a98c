// Writing files so that a crash, a full disk or Ctrl-C never leaves a half-written file under the final name.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GaussfaceError } from '../errors.js';

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full; free some space or write elsewhere',
  EDQUOT: 'the disk quota is exhausted; free some space or write elsewhere',
  EACCES: 'permission denied; choose a folder you can write to',
  EPERM: 'permission denied; choose a folder you can write to',
  EROFS: 'the file system is read-only; choose another folder',
  EISDIR: 'a folder has that name; choose a file name',
  ENOTDIR: 'a part of the path is a file, not a folder',
};

/**
 * Writes `bytes` to `path` atomically: a temporary file next to it (`path.tmp-<pid>-<random>`), fsync, then
 * rename over `path`. On any error the temporary file is removed and `path` is untouched.
 *
 * ```js
 * import { saveFileAtomic } from 'gaussface/node';
 * await saveFileAtomic('model.safetensors', model.toBytes());
 * ```
 */
export async function saveFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {}); // e.g. ENOTDIR: then there is no temporary file either
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new GaussfaceError(`cannot write ${path}: ${REASONS[code] ?? (e as Error).message}`, 'EIO');
  }
}
