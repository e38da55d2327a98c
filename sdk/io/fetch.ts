// Named data sets downloaded once into a cache folder: sha256-verified, resumed with an HTTP Range request
// after an interruption, a corrupt download removed, the final file renamed into place only when complete.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, openSync, closeSync, renameSync, rmSync, statSync, writeSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GaussfaceError } from '../errors.js';
import { idxImages, readIdx } from '../datasets/formats.js';
import { Matrix } from '../matrix.js';
import { readMat } from './mat.js';
import { extractTar } from './tar.js';
import { loadImageFolder, type ImageFolder } from './folder.js';

/** A remote file: where it is, what it must hash to. */
export interface RemoteFile {
  name: string;
  url: string;
  sha256: string;
}

// The files scikit-learn and the Fashion-MNIST project publish (checksums from their sources).
export const DATASETS = {
  olivetti: [{ name: 'olivettifaces.mat', url: 'https://ndownloader.figshare.com/files/5976027', sha256: 'b612fb967f2dc77c9c62d3e1266e0c73d5fca46a4b8906c18e454d41af987794' }],
  lfw: [{ name: 'lfw.tgz', url: 'https://ndownloader.figshare.com/files/5976018', sha256: '055f7d9c632d7370e6fb4afc7468d40f970c34a80d4c6f50ffec63f5a8d536c0' }],
  'fashion-mnist': [
    { name: 'train-images-idx3-ubyte.gz', url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz', sha256: 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7' },
    { name: 'train-labels-idx1-ubyte.gz', url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz', sha256: '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056' },
    { name: 't10k-images-idx3-ubyte.gz', url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz', sha256: 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa' },
    { name: 't10k-labels-idx1-ubyte.gz', url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz', sha256: '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05' },
  ],
} satisfies Record<string, RemoteFile[]>;

export type DatasetName = keyof typeof DATASETS;

export interface FetchOptions {
  /** Cache folder (default ~/.cache/gaussface). */
  cacheDir?: string;
  /** Replaces the host part of every URL (a mirror, or a local server in tests): baseUrl + '/' + file name. */
  baseUrl?: string;
  /** Overrides the expected checksums by file name (tests). */
  checksums?: Record<string, string>;
  onProgress?: (file: string, received: number, total: number) => void;
  signal?: AbortSignal;
  /**
   * Milliseconds without a byte from the server (waiting for the response, or between chunks) after which the
   * download stops with an error; the partial file is kept and resumed next time (default 60000).
   */
  stallTimeout?: number;
}

export const defaultCacheDir = () => join(homedir(), '.cache', 'gaussface');

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Downloads one file into `dest` unless it is there already; returns the path. */
export async function fetchFile(file: RemoteFile, dest: string, opts: FetchOptions = {}): Promise<string> {
  if (existsSync(dest)) return dest; // only complete, verified files are ever renamed to dest
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  const url = opts.baseUrl ? `${opts.baseUrl.replace(/\/$/, '')}/${file.name}` : file.url;
  const watchdog = stallWatchdog(opts.stallTimeout ?? 60_000, opts.signal);
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers: have ? { range: `bytes=${have}-` } : {}, signal: watchdog.signal });
    } catch (e) {
      if (opts.signal?.aborted) throw new GaussfaceError(`download of ${file.name} cancelled; the partial file is kept and resumed next time`, 'EABORT');
      if (watchdog.stalled) throw new GaussfaceError(`cannot download ${file.name} from ${url}: ${watchdog.why()} before the response; check the network or pass a mirror (baseUrl)`, 'EINPUT');
      throw new GaussfaceError(`cannot download ${file.name} from ${url}: ${(e as Error).message}; check the network or pass a mirror (baseUrl)`, 'EINPUT');
    }
    if (res.status === 200 || res.status === 206) await receive(res, part, have, file.name, opts, watchdog);
    else {
      await res.body?.cancel();
      // 416 to a resume: the partial file is already whole (the last run stopped before checking it).
      if (res.status !== 416 || !have) throw new GaussfaceError(`cannot download ${file.name} from ${url}: HTTP ${res.status}`, 'EINPUT');
    }
  } finally {
    watchdog.stop();
  }
  await verify(part, file, opts);
  renameSync(part, dest);
  return dest;
}

type Watchdog = ReturnType<typeof stallWatchdog>;

/**
 * An AbortSignal that fires when the caller's does, or when `ms` pass without `alive()` being called: a server
 * that accepts the connection and then sends nothing would otherwise hold a download forever.
 */
function stallWatchdog(ms: number, outer?: AbortSignal) {
  if (!(ms > 0)) throw new GaussfaceError(`stallTimeout must be a number of milliseconds > 0, got ${ms}`, 'EINPUT');
  const ac = new AbortController();
  let stalled = false;
  const fire = () => {
    stalled = true;
    ac.abort();
  };
  let timer = setTimeout(fire, ms);
  const forward = () => ac.abort();
  outer?.addEventListener('abort', forward);
  if (outer?.aborted) ac.abort();
  return {
    signal: ac.signal,
    get stalled() {
      return stalled;
    },
    why: () => `no data for ${ms / 1000} s`,
    alive() {
      clearTimeout(timer);
      timer = setTimeout(fire, ms);
    },
    stop() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    },
  };
}

/** Writes the response body to `part`: appended when the server resumed at `have`, else from the start. */
async function receive(res: Response, part: string, have: number, name: string, opts: FetchOptions, watchdog: Watchdog): Promise<void> {
  const range = res.headers.get('content-range'); // may be absent: then it answered the range asked for
  const resumed = res.status === 206 && (range === null || Number(/^bytes (\d+)-/.exec(range)?.[1]) === have);
  if (res.status === 206 && !resumed) {
    await res.body?.cancel();
    rmSync(part, { force: true });
    throw new GaussfaceError(`download of ${name}: the server resumed at the wrong offset (${range}); the partial file was removed, try again`, 'EINPUT');
  }
  const fd = openSync(part, resumed ? 'a' : 'w');
  let received = resumed ? have : 0;
  const total = received + Number(res.headers.get('content-length') ?? NaN);
  try {
    watchdog.alive();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      watchdog.alive();
      writeSync(fd, chunk);
      received += chunk.length;
      opts.onProgress?.(name, received, total);
    }
  } catch (e) {
    const why = opts.signal?.aborted ? 'cancelled' : watchdog.stalled ? `stalled (${watchdog.why()})` : `interrupted (${(e as Error).message})`;
    throw new GaussfaceError(`download of ${name} ${why} at ${received} bytes; the partial file is kept and resumed next time`, opts.signal?.aborted ? 'EABORT' : 'EINPUT');
  } finally {
    closeSync(fd);
  }
}

/** Checks the sha256 of `part`; a mismatch removes it (a resumed download cannot repair it). */
async function verify(part: string, file: RemoteFile, opts: FetchOptions): Promise<void> {
  const want = opts.checksums?.[file.name] ?? file.sha256;
  const got = await sha256File(part);
  if (got !== want) {
    rmSync(part, { force: true });
    throw new GaussfaceError(`checksum mismatch for ${file.name}: expected sha256 ${want}, got ${got}; the corrupt download was removed, try again`, 'EFORMAT');
  }
}

/**
 * A named data set: downloaded on first use, then read from the cache. olivetti: 400 × 64·64 scaled by the
 * maximum (as scikit-learn's fetch_olivetti_faces), labels = person; lfw: 64×64 gray faces, labels = person;
 * fashion-mnist: 60000 × 28·28 /255 with labels, and the test set as testX/testLabels.
 *
 * ```js
 * import { fetchDataset } from 'gaussface/node';
 * const { X, labels } = await fetchDataset('olivetti', { onProgress: (file, got, total) => console.log(file, got, total) });
 * ```
 */
export async function fetchDataset(name: DatasetName, opts: FetchOptions = {}): Promise<ImageFolder & { testX?: Matrix<Float32Array>; testLabels?: Int32Array }> {
  const files = DATASETS[name];
  if (!files) throw new GaussfaceError(`unknown data set '${name}' (known: ${Object.keys(DATASETS).join(', ')})`, 'EINPUT');
  const dir = join(opts.cacheDir ?? defaultCacheDir(), name);
  const paths = [];
  for (const f of files) paths.push(await fetchFile(f, join(dir, f.name), opts));
  if (name === 'fashion-mnist') {
    const [trX, trY, teX, teY] = paths.map((p) => gunzipSync(readFileSync(p)));
    const X = idxImages(trX);
    return {
      X, spec: { width: 28, height: 28, channels: 1 }, files: [], labels: Int32Array.from(readIdx(trY).data),
      labelNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
      testX: idxImages(teX), testLabels: Int32Array.from(readIdx(teY).data),
    };
  }
  if (name === 'lfw') {
    const out = join(dir, 'images');
    const done = join(out, '.complete');
    if (!existsSync(done)) {
      rmSync(out, { recursive: true, force: true });
      extractTar(gunzipSync(readFileSync(paths[0])), out);
      writeFileSync(done, '');
    }
    // The archive's one top folder (lfw/) holds a folder per person: those become the labels. The centre
    // 150×150 of the 250×250 frames is the face (crop 0.6), the framing of ../shared/datasets/lfw.
    return loadImageFolder(existsSync(join(out, 'lfw')) ? join(out, 'lfw') : out, { size: 64, crop: 0.6, signal: opts.signal });
  }
  // olivetti: a MATLAB file whose 'faces' is 4096 × 400 (columns are images, each stored column-major).
  const faces = readMat(readFileSync(paths[0]), 'faces');
  const [h, n] = faces.shape;
  if (h !== 4096) throw new GaussfaceError(`olivettifaces.mat: 'faces' is ${faces.shape.join('×')}, expected 4096 × n`, 'EFORMAT');
  const X = new Float32Array(n * 4096);
  const max = faces.data.reduce((a, b) => Math.max(a, b), 0) || 1;
  for (let i = 0; i < n; i++) for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) X[i * 4096 + r * 64 + c] = faces.data[i * 4096 + c * 64 + r] / max;
  return { X: new Matrix(n, 4096, X), spec: { width: 64, height: 64, channels: 1 }, files: [], labels: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 10)) };
}
