// Reading and writing files safely: reads only regular files, bounded in size (a FIFO or /dev/zero in a data
// folder neither hangs nor fills memory); writes so that a crash, a full disk or Ctrl-C never leaves a
// half-written file under the final name.
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

const RANDOM_BYTES = 6;
const tempName = (path: string) => `${path}.tmp-${process.pid}-${randomBytes(RANDOM_BYTES).toString('hex')}`;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True when a process with this id exists (EPERM: it exists but belongs to another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files a killed writer (SIGKILL, power loss) left next to `path`: only names of exactly
 * our pattern (`<name>.tmp-<pid>-<12 hex digits>`) whose process is gone. A live writer's file is never touched.
 */
async function removeStaleTemps(path: string): Promise<void> {
  const pattern = new RegExp(`^${escapeRegExp(basename(path))}\\.tmp-(\\d+)-[0-9a-f]{${2 * RANDOM_BYTES}}$`);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (pid > 0 && pid !== process.pid && !alive(pid)) await rm(join(dirname(path), name), { force: true }).catch(() => {});
  }
}

/**
 * Writes `bytes` to `path` atomically: a temporary file next to it (`path.tmp-<pid>-<random>`), fsync, then
 * rename over `path`. On any error the temporary file is removed and `path` is untouched. Temporary files of
 * `path` left by writers that were killed (their process is gone) are removed first.
 *
 * ```js
 * import { saveFileAtomic } from 'gaussface/node';
 * await saveFileAtomic('model.safetensors', model.toBytes());
 * ```
 */
export async function saveFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = tempName(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    await removeStaleTemps(path);
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

/** What a non-regular file is, in words. */
function kind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;

/**
 * The bytes of a regular file (symbolic links followed) of at most `maxBytes`. FIFOs, devices and sockets are
 * refused without blocking (opened non-blocking, checked on the open descriptor: no race with a rename), and at
 * most `maxBytes` + 1 bytes are ever read, even from a file that grows or reports size 0. Errors are EINPUT and
 * name the file (`what` says what it was meant to be, e.g. 'image').
 */
export async function readRegularFile(path: string, maxBytes: number, what = 'file'): Promise<Uint8Array> {
  const fail = (why: string) => new GaussfaceError(`cannot read ${what} ${path}: ${why}`, 'EINPUT');
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fail((e as Error).message);
    const link = await lstat(path).then((s) => s.isSymbolicLink(), () => false);
    throw fail(link ? 'a broken symbolic link (its target does not exist)' : 'no such file');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw fail(`it is ${kind(st)}, not a regular file; remove it`);
    const tooLarge = () => fail(`it is larger than ${mib(maxBytes)}, the limit for one ${what}; remove or shrink it`);
    if (st.size > maxBytes) throw tooLarge();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(Math.max(st.size - total + 1, 1 << 16), maxBytes + 1 - total);
      if (want <= 0) throw tooLarge();
      const buf = new Uint8Array(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      if (!bytesRead) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(total);
    chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
    return out;
  } finally {
    await fh.close();
  }
}
