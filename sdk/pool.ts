// The worker pool: N engine workers, datasets split into fixed-size row chunks that each live in one worker,
// and a map primitive whose results come back in chunk order. Reductions done in chunk order give the same
// bits whatever the number of workers, because chunk boundaries depend only on the data's shape.
import { proxy, transfer, wrap, type Remote } from 'comlink';
import { compileEngine, fmaAvailable, type EngineBuild } from './engine-builds.js';
import { GaussfaceError, type ErrorCode } from './errors.js';
import { Executor, type PutResult } from './executor.js';
import type { TaskDef } from './tasks/define.js';
import { hardwareConcurrency, spawnWorker } from './host.js';
import type { WorkerHandle } from './spawn.js';
import { buffersIn } from './wire.js';

export interface PoolOptions {
  /** Number of workers (default: the number of cores the runtime reports). */
  workers?: number;
  /**
   * Run the tasks in the calling thread instead (one executor, no workers): no message latency, for small data
   * or runtimes without workers; it blocks the thread while a task runs. Results are the same bits.
   */
  inline?: boolean;
  /**
   * Load the FMA engine build where the runtime has relaxed SIMD (see `fmaAvailable`; `pool.build` says which
   * build runs): GEMM-bound work — PCA, the mixture E-step, VAE layers — runs faster (GEMM ×1.1–2 on Intel
   * cores in the project's benchmarks). A fit is still the same bits with any number of workers, but not the
   * same bits as with the portable build, and may differ between CPUs. Default: false, or true when the
   * environment sets GAUSSFACE_FMA=1.
   */
  fma?: boolean;
  /**
   * Milliseconds after which a worker that has nothing to do and holds no data is stopped; it starts again,
   * empty, on next use. Default: 250 in Deno, whose Web Workers keep the process alive while they exist, so
   * that a script ends by itself; never elsewhere (Node's idle workers do not keep it alive, a page has no
   * process to end). `Infinity`: never. A worker holding data (`pool.upload`) stays until it is released.
   */
  idleTimeout?: number;
  /**
   * Where the workers' script is served, for hosts that do not serve it next to the SDK: a copy of gaussface's
   * `dist/worker.js` (a path or file URL to `dist/worker-node.js` in Node). Default: the browser build starts the
   * script embedded in it (a blob: URL), the default build `worker.js` next to itself. A script that does not
   * load is an EWORKER error naming this URL.
   */
  workerUrl?: string | URL;
}

export interface CallOptions {
  /** Cancels the call: the promise rejects with code EABORT and the busy workers are restarted. */
  signal?: AbortSignal;
}

/** Target bytes per chunk: big enough to amortise a call, small enough to spread over workers. */
const CHUNK_BYTES = 1 << 20;

/** Rows per chunk for a given width: a function of the shape only, never of the worker count. */
export function chunkRowsFor(cols: number): number {
  return Math.max(8, Math.floor(CHUNK_BYTES / (4 * Math.max(1, cols)) / 8) * 8);
}

interface Slot {
  handle: WorkerHandle;
  remote: Remote<Executor>;
  ready: Promise<void>;
  /** Dataset ids whose chunks this worker holds. */
  resident: Set<number>;
  /**
   * Rejecters of the calls waiting on this worker, called when it dies or is terminated. Each call removes its
   * own when it settles: a promise that never settles (a shared "death" promise raced against every call) would
   * keep every call's result reachable through its reactions, for as long as the worker lives.
   */
  waiting: Set<(e: Error) => void>;
  /** Why the worker died, once it has: calls made afterwards reject at once. */
  died?: GaussfaceError;
  kill(reason: string, code: ErrorCode): void;
  pending: number;
  /** Stops the worker once it has been idle for the pool's idleTimeout (see Pool.idle). */
  idleTimer?: ReturnType<typeof setTimeout>;
}

let nextDatasetId = 1;
/** Ids of the datasets a program makes inside an executor: far above the host pool's, which share its memory. */
let nextNestedId = 2 ** 29;

/**
 * Rows that live outside the engine and are read a block at a time (a file, a decoder, a generator): the
 * way to fit data larger than the workers' memory. `read(start, end)` returns rows [start, end) row-major.
 */
export interface ChunkSource {
  readonly rows: number;
  readonly cols: number;
  read(start: number, end: number): Float32Array | Promise<Float32Array>;
}

/** True for a `ChunkSource` (rows read in ranges), as opposed to a matrix or rows of numbers. */
export function isChunkSource(x: unknown): x is ChunkSource {
  return typeof x === 'object' && x !== null && typeof (x as ChunkSource).read === 'function' && !('data' in x) && Number.isInteger((x as ChunkSource).rows) && Number.isInteger((x as ChunkSource).cols);
}

/**
 * The shape and options of an `upload` or `stream` call, which take an array with its shape or a ChunkSource
 * (which carries its own): a shape that does not fit the data is an ESHAPE error.
 */
function rowsOf<O extends object>(method: string, source: Float32Array | ChunkSource, r: number | O | undefined, c: number | undefined, o: O | undefined): { rows: number; cols: number; opts: O } {
  const array = source instanceof Float32Array;
  const [rows, cols] = array ? [r as number, c as number] : [source.rows, source.cols];
  if (array && source.length !== rows * cols) throw new GaussfaceError(`${method}: data has ${source.length} values, ${rows}×${cols} needs ${rows * cols}`, 'ESHAPE');
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1) throw new GaussfaceError(`${method}: a source of ${rows}×${cols} rows does not fit its data`, 'ESHAPE');
  return { rows, cols, opts: ((array ? o : r) ?? {}) as O };
}

/** Options of `Pool.upload`. */
export interface UploadOptions extends CallOptions {
  /** Chunk the rows as this dataset is chunked (same rows): tasks over it may read the new one by id. */
  like?: Dataset;
  /** Rows per chunk (default: about 1 MiB of rows); the chunking fixes the order of every sum. */
  chunkRows?: number;
  /** Keep every chunk in one worker (`worker`, default 0) instead of spreading them. */
  oneWorker?: boolean;
  worker?: number;
  /** What the rows are called in errors. */
  name?: string;
}

/** Options of `Pool.stream`. */
export interface StreamOptions {
  /** Rows read and sent per chunk (default: about 1 MiB of rows); the chunking fixes the order of every sum. */
  chunkRows?: number;
}

/**
 * A matrix held by the pool's workers as row chunks (chunk i lives in worker `home` + i mod `workers`), or — when
 * `streamed` — sent chunk by chunk on every pass and dropped afterwards. Keeps its source, when it has one, so a
 * restarted worker can be given its chunks again.
 */
export class Dataset {
  readonly nChunks: number;
  released = false;
  /** What the rows are called in errors (a NaN in them names it with the value's row and column). */
  name = 'X';
  /**
   * Datasets uploaded chunked `like` this one, which tasks mapping over it may read by id (weights,
   * responsibilities): a worker restarted since gets them back with it. Cleared on release.
   */
  readonly companions = new Set<Dataset>();
  /** The dataset this one is a companion of. */
  companionOf?: Dataset;
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly chunkRows: number,
    readonly source: Float32Array | ChunkSource | null,
    readonly streamed = false,
    /** How many workers hold its chunks (1 when it is kept in one worker). */
    readonly workers = 1,
    readonly id = nextDatasetId++,
    /** The first of the workers holding its chunks (another than 0 for data kept in one worker, see `upload`). */
    readonly home = 0,
  ) {
    this.nChunks = Math.ceil(rows / chunkRows);
  }
  /** Row range [start, end) of chunk i. */
  chunkRange(i: number): [number, number] {
    return [i * this.chunkRows, Math.min(this.rows, (i + 1) * this.chunkRows)];
  }
  /** Indices of the chunks worker w holds. */
  chunksOf(w: number): number[] {
    const out: number[] = [];
    if (w < this.home || w >= this.home + this.workers) return out;
    for (let i = w - this.home; i < this.nChunks; i += this.workers) out.push(i);
    return out;
  }
  /**
   * Rows of chunk i from the source, as a copy ready to be transferred: written into `reuse` when it has the
   * right length (a buffer a worker handed back: no fresh memory to fault in), else a new array.
   */
  async readChunk(i: number, reuse?: Float32Array): Promise<Float32Array> {
    const [a, b] = this.chunkRange(i);
    const src = this.source;
    if (!src) throw new GaussfaceError(`dataset ${this.id} has no source rows`, 'EINPUT');
    if (src instanceof Float32Array) {
      const rows = src.subarray(a * this.cols, b * this.cols);
      if (reuse?.length !== rows.length) return rows.slice();
      reuse.set(rows);
      return reuse;
    }
    const part = await src.read(a, b);
    if (!(part instanceof Float32Array) || part.length !== (b - a) * this.cols)
      throw new GaussfaceError(`ChunkSource.read(${a}, ${b}) must return a Float32Array of ${(b - a) * this.cols} values`, 'EINPUT');
    return part;
  }
  /** What a program in the worker needs to see the dataset. */
  info(): DatasetInfo {
    return { id: this.id, rows: this.rows, cols: this.cols, chunkRows: this.chunkRows };
  }
}

/** A resident dataset as a program running inside an executor sees it. */
export interface DatasetInfo {
  id: number;
  rows: number;
  cols: number;
  chunkRows: number;
}

/**
 * A program: a whole algorithm (many map steps) run inside the one executor that holds all its data, against a
 * pool over that executor's resident chunks. It runs the same tasks over the same chunks as the pool would, so
 * its results are the same bits, without a message per step. `progress` reaches the caller's `onProgress`.
 */
export interface Program<R = unknown> {
  readonly name: string;
  run(executor: Executor, datasets: DatasetInfo[], params: any, progress?: (p: unknown) => void): Promise<R>;
}

/** What a program's body receives: a pool over the executor's chunks, the datasets, and the executor itself. */
export interface ProgramContext {
  pool: Pool;
  datasets: Dataset[];
  executor: Executor;
}

/** Makes a program from its body (registered under `name` in the workers, see programs.ts). */
export function program<R>(name: string, body: (ctx: ProgramContext, params: any, progress?: (p: unknown) => void) => Promise<R>): Program<R> {
  return {
    name,
    run: (executor, infos, params, progress) => {
      const pool = Pool.within(executor, infos.map((d) => d.id));
      const datasets = infos.map((d) => new Dataset(d.rows, d.cols, d.chunkRows, null, false, 1, d.id));
      return body({ pool, datasets, executor }, params, progress);
    },
  };
}

export class Pool {
  private readonly slots: (Slot | undefined)[];
  private module: WebAssembly.Module | undefined;
  /** The portable build, posted to workers next to `module` (see Executor.init). */
  private portable: WebAssembly.Module | undefined;
  private closed = false;

  private build_: EngineBuild = 'portable';

  /** The engine build the workers run ('portable' unless `fma` was asked for and is available). */
  get build(): EngineBuild {
    return this.build_;
  }

  private idleTimeout = Infinity;
  private workerUrl: string | URL | undefined;

  private constructor(readonly size: number, private readonly inline = false, private readonly nested = false) {
    this.slots = new Array(size).fill(undefined);
  }

  /**
   * A pool of one slot over an executor that already holds the datasets `resident` (a program's view of its
   * worker); the datasets it makes take ids apart from the host pool's.
   */
  static within(executor: Executor, resident: number[]): Pool {
    const pool = new Pool(1, true, true);
    const slot = pool.makeSlot(0, inThreadHandle(), executor as unknown as Remote<Executor>);
    resident.forEach((id) => slot.resident.add(id));
    pool.slots[0] = slot;
    return pool;
  }

  private newId(): number {
    return this.nested ? nextNestedId++ : nextDatasetId++;
  }

  /** Workers running now (they start on first use, and stop when idle if `idleTimeout` says so). */
  get running(): number {
    return this.slots.filter(Boolean).length;
  }

  /** Starts a pool (workers are spawned on first use). */
  static async create(opts: PoolOptions = {}): Promise<Pool> {
    const n = opts.inline ? 1 : opts.workers ?? (await hardwareConcurrency());
    if (!Number.isInteger(n) || n < 1 || n > 256)
      throw new GaussfaceError(`workers must be an integer from 1 to 256, got ${n}`, 'EINPUT');
    const idle = opts.idleTimeout ?? defaultIdleTimeout();
    if (!(idle >= 0)) throw new GaussfaceError(`idleTimeout must be a number of milliseconds ≥ 0 (or Infinity), got ${idle}`, 'EINPUT');
    const pool = new Pool(n, !!opts.inline);
    if (!opts.inline) pool.idleTimeout = idle;
    pool.workerUrl = opts.workerUrl;
    if ((opts.fma ?? envFlag('GAUSSFACE_FMA')) && (await fmaAvailable())) pool.build_ = 'fma';
    pool.module = await compileEngine(pool.build_);
    pool.portable = await compileEngine('portable');
    return pool;
  }

  private async slot(w: number): Promise<Slot> {
    if (this.closed) throw new GaussfaceError('the pool is closed; create a new one (or call the function again after shutdown())', 'EWORKER');
    let s = this.slots[w];
    if (!s) {
      const handle = this.inline ? inThreadHandle() : await spawnWorker(this.workerUrl);
      const remote = this.inline ? (new Executor() as unknown as Remote<Executor>) : wrap<Executor>(handle.endpoint);
      const slot = this.makeSlot(w, handle, remote);
      handle.onDeath((reason, startFailure) => {
        if (startFailure) return slot.kill(reason, 'EWORKER'); // the script never ran: its message names it and the fix
        this.stop(w, `died (${reason})`, slot); // this slot's worker, not a successor's
      });
      slot.ready = this.guard(slot, remote.init(this.module!, this.portable));
      this.slots[w] = s = slot;
    }
    await s.ready;
    return s;
  }

  private makeSlot(w: number, handle: WorkerHandle, remote: Remote<Executor>): Slot {
    const slot: Slot = {
      handle, remote, resident: new Set(), waiting: new Set(), pending: 0, ready: Promise.resolve(),
      kill: (reason, code) => {
        if (this.slots[w] !== slot) return;
        this.slots[w] = undefined;
        clearTimeout(slot.idleTimer);
        handle.terminate();
        slot.died = new GaussfaceError(reason, code);
        for (const reject of slot.waiting) reject(slot.died);
        slot.waiting.clear();
      },
    };
    return slot;
  }

  /**
   * Races a worker call against the worker's death, so that a crash rejects instead of hanging. The death
   * listener is the call's own and is removed when the call settles, so nothing keeps its result alive.
   */
  private async guard<T>(slot: Slot, call: Promise<T>): Promise<T> {
    if (slot.died) {
      call.catch(() => {});
      throw slot.died;
    }
    let reject!: (e: Error) => void;
    const died = new Promise<never>((_, r) => (reject = r));
    slot.waiting.add(reject);
    if (slot.pending++ === 0) {
      clearTimeout(slot.idleTimer);
      slot.handle.setBusy(true);
    }
    try {
      return await Promise.race([call, died]);
    } finally {
      slot.waiting.delete(reject);
      if (--slot.pending === 0) {
        slot.handle.setBusy(false);
        this.idle(slot);
      }
    }
  }

  /**
   * A worker with no call in flight: after `idleTimeout` ms, still idle and holding no data, it is stopped (to
   * start again on next use). Only empty workers: the data a fit works on stay resident for its whole length,
   * however long the calling thread computes between two steps. (Chunks a call sends are marked resident in
   * the same tick as its last put returns: no timer runs in between.)
   */
  private idle(slot: Slot): void {
    if (!Number.isFinite(this.idleTimeout)) return;
    slot.idleTimer = setTimeout(() => {
      if (slot.pending === 0 && slot.resident.size === 0) slot.kill('worker stopped when idle', 'EWORKER');
    }, this.idleTimeout);
    (slot.idleTimer as { unref?: () => void }).unref?.(); // Node: the timer alone need not keep the process alive
  }

  /**
   * Sends `rows × cols` float32 rows to the workers, once, as fixed-size chunks: `chunkRows` rows each (a
   * function of the shape only, never of the worker count), or the chunking of `like`, another dataset over
   * the same rows (per-row weights or responsibilities next to the data), held where `like`'s chunks are.
   * With `oneWorker`, every chunk stays in one worker — worker `worker` mod the pool's size (default 0): for data
   * whose steps are too short to be worth a message to each worker, which a program can then run in one call
   * (`solo`), or for independent fits run side by side, one per worker. Same chunks, so the same bits.
   */
  upload(data: Float32Array, rows: number, cols: number, opts?: UploadOptions): Promise<Dataset>;
  /**
   * Rows read from a `ChunkSource` chunk by chunk (e.g. `openImageFolder`: images decoded as they are sent), kept
   * resident like an array's: the calling thread never holds the whole matrix. A worker restarted later has its
   * chunks read from the source again.
   */
  upload(source: ChunkSource, opts?: UploadOptions): Promise<Dataset>;
  async upload(source: Float32Array | ChunkSource, r?: number | UploadOptions, c?: number, o?: UploadOptions): Promise<Dataset> {
    const { rows, cols, opts } = rowsOf('upload', source, r, c, o);
    if (opts.like && opts.like.rows !== rows)
      throw new GaussfaceError(`upload: ${rows} rows cannot be chunked like a dataset of ${opts.like.rows}`, 'ESHAPE');
    const chunkRows = opts.like?.chunkRows ?? opts.chunkRows ?? chunkRowsFor(cols);
    const workers = opts.like?.workers ?? (opts.oneWorker ? 1 : this.spread(rows, chunkRows));
    const home = opts.like?.home ?? (opts.oneWorker ? (opts.worker ?? 0) % this.size : 0);
    const ds = new Dataset(rows, cols, chunkRows, source, false, workers, this.newId(), home);
    ds.name = opts.name ?? ds.name;
    opts.like?.companions.add(ds);
    ds.companionOf = opts.like;
    // Every worker finishes (or fails) before a failure is reported, so that nothing stays resident and the
    // error names the first bad value in row order, whichever worker met it.
    const failures: unknown[] = [];
    await this.withAbort(opts.signal, [...this.workersOf(ds)], (w) => this.ensureResident(w, ds).catch((err) => void failures.push(err)));
    if (failures.length) {
      await this.release(ds);
      const at = (err: unknown) => (err instanceof NonFiniteError ? err.at : -1);
      throw failures.reduce((a, b) => (at(b) < at(a) ? b : a));
    }
    return ds;
  }

  /**
   * A dataset whose rows stay with the caller and pass through the workers chunk by chunk on every call, so
   * its size is bounded by neither the workers' nor this thread's memory. Results are identical to `upload`'s
   * with the same `chunkRows` (default: ~1 MiB of rows). Models return statistics per chunk, so wide rows want
   * larger chunks: a PCA of 12288-wide rows sends back 12288 × (k + 10) values per chunk, and 16-row chunks would
   * send ten times the data they read — `{ chunkRows: 1024 }` there.
   */
  stream(source: ChunkSource, opts?: StreamOptions): Dataset;
  stream(source: Float32Array, rows: number, cols: number, opts?: StreamOptions): Dataset;
  stream(source: ChunkSource | Float32Array, rows?: number | StreamOptions, cols?: number, opts?: StreamOptions): Dataset {
    const { rows: r, cols: c, opts: o } = rowsOf('stream', source, rows, cols, opts);
    const chunkRows = o.chunkRows ?? chunkRowsFor(c);
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new GaussfaceError(`stream: chunkRows must be an integer ≥ 1, got ${chunkRows}`, 'EINPUT');
    return new Dataset(r, c, chunkRows, source, true, this.spread(r, chunkRows), this.newId());
  }

  /**
   * Sends chunk i of `ds` to a worker, in `stage` when it fits (see readChunk), and returns the buffer the worker
   * hands back for the next chunk — rows copied from an array only: a ChunkSource makes its own. A NaN or
   * ±Infinity in the rows is an EINPUT error naming its row and column; the dataset's chunks in that worker are
   * dropped first.
   */
  private async putChunk(s: Slot, ds: Dataset, i: number, stage?: Float32Array): Promise<Float32Array | undefined> {
    const part = await ds.readChunk(i, stage);
    const row0 = ds.chunkRange(i)[0];
    const refill = ds.source instanceof Float32Array;
    const { bad, value, data } = (await this.guard(s, s.remote.put(ds.id, i, row0, transfer(part, [part.buffer]), ds.cols, refill))) as PutResult;
    if (bad < 0) return data;
    await this.guard(s, s.remote.drop(ds.id)).catch(() => {});
    throw new NonFiniteError(ds, row0 * ds.cols + bad, value);
  }

  /** An empty dataset of the same chunking as `like`, to be filled by tasks with `ctx.keep`. */
  derive(like: Dataset, cols: number): Dataset {
    return new Dataset(like.rows, cols, like.chunkRows, null, false, like.workers, this.newId(), like.home);
  }

  /** Workers a dataset of `rows` rows in chunks of `chunkRows` is spread over: one chunk or more each. */
  private spread(rows: number, chunkRows: number): number {
    return Math.max(1, Math.min(this.size, Math.ceil(rows / chunkRows)));
  }

  private *workersOf(ds: Dataset): Iterable<number> {
    for (let w = 0; w < Math.min(ds.workers, ds.nChunks); w++) yield ds.home + w;
  }

  private async ensureResident(w: number, ds: Dataset): Promise<Slot> {
    if (ds.released) throw new GaussfaceError(`dataset ${ds.id} was released`, 'EINPUT');
    const s = await this.slot(w);
    // Rows a task reads by id next to these (uploaded `like` them) go back with them into a restarted worker.
    for (const c of ds.companions) if (c.source && !c.released && !s.resident.has(c.id)) await this.ensureResident(w, c);
    if (s.resident.has(ds.id) || ds.streamed) return s;
    if (!ds.source)
      throw new GaussfaceError(`dataset ${ds.id} was computed in worker ${w}, which was restarted; compute it again`, 'EWORKER');
    let stage: Float32Array | undefined;
    for (const i of ds.chunksOf(w)) stage = await this.putChunk(s, ds, i, stage);
    if (ds.released) {
      // Released while its chunks were on the way (another worker's part of the call failed first): drop them.
      await this.guard(s, s.remote.drop(ds.id)).catch(() => {});
      throw new GaussfaceError(`dataset ${ds.id} was released`, 'EINPUT');
    }
    s.resident.add(ds.id);
    return s;
  }

  /**
   * Runs `task` over every chunk of `ds` and returns one result per chunk, in chunk order (whatever worker
   * computed it). When `into` is given, the task's `keep` calls fill that derived dataset. `recycle`: the
   * results of an earlier call (per chunk) that the caller is done with; their buffers go back to the workers
   * that made them, for the task's `copyOut`, and are detached here.
   */
  async map<P, R>(task: TaskDef<P, R[]>, ds: Dataset, params: P, opts: CallOptions & { into?: Dataset; recycle?: unknown[] } = {}): Promise<R[]> {
    checkTask(task);
    const out = new Array<R>(ds.nChunks);
    await this.withAbort(opts.signal, [...this.workersOf(ds)], async (w) => {
      const s = await this.ensureResident(w, ds);
      const idx = ds.chunksOf(w);
      const spare = opts.recycle ? spareBuffers(idx.map((i) => opts.recycle![i])) : [];
      if (ds.streamed) {
        // One chunk in the worker at a time: send, run, drop; the next chunk is read while nothing waits on it.
        let stage: Float32Array | undefined;
        for (const i of idx) {
          stage = await this.putChunk(s, ds, i, stage);
          out[i] = ((await this.guard(s, s.remote.run(task.name, ds.id, [i], params))) as R[])[0];
          await this.guard(s, s.remote.drop(ds.id, i));
        }
      } else {
        const res = (await this.guard(s, s.remote.run(task.name, ds.id, idx, params, transfer(spare, spare)))) as R[];
        idx.forEach((i, k) => (out[i] = res[k]));
      }
      if (opts.into) s.resident.add(opts.into.id);
    });
    return out;
  }

  /** Runs `task` once in every worker (no chunks), e.g. to check a kernel; results in worker order. */
  async broadcast<P, R>(task: TaskDef<P, R>, params: P, opts: CallOptions = {}): Promise<R[]> {
    checkTask(task);
    const out = new Array<R>(this.size);
    await this.withAbort(opts.signal, [...Array(this.size).keys()], async (w) => {
      const s = await this.slot(w);
      out[w] = (await this.guard(s, s.remote.run(task.name, -1, [], params))) as R;
    });
    return out;
  }

  /**
   * Runs a whole program (see `program`) in the one worker that holds every chunk of `datasets` (uploaded with
   * `oneWorker`, or any dataset of a one-worker pool): one call instead of a message per step.
   */
  async solo<R>(prog: Program<R>, datasets: Dataset[], params: unknown, opts: CallOptions & { onProgress?: (p: any) => void } = {}): Promise<R> {
    const spread = datasets.find((ds) => ds.workers !== 1 || ds.streamed);
    if (spread) throw new GaussfaceError(`solo: dataset ${spread.id} is spread over ${spread.workers} workers; upload it with oneWorker`, 'EINPUT');
    const home = datasets[0]?.home ?? 0;
    const apart = datasets.find((ds) => ds.home !== home);
    if (apart) throw new GaussfaceError(`solo: dataset ${apart.id} is held by worker ${apart.home}, not by worker ${home} with the others; upload them to one worker`, 'EINPUT');
    let out!: R;
    await this.withAbort(opts.signal, [home], async () => {
      let s!: Slot;
      for (const ds of datasets) s = await this.ensureResident(home, ds);
      s ??= await this.slot(home);
      const infos = datasets.map((ds) => ds.info());
      if (this.inline) out = await prog.run(s.remote as unknown as Executor, infos, params, opts.onProgress);
      else out = (await this.guard(s, s.remote.solo(prog.name, infos, params, opts.onProgress && proxy(opts.onProgress)))) as R;
    });
    return out;
  }

  /** Reads a dataset back from the workers as one row-major Float32Array. */
  async gather(ds: Dataset, opts: CallOptions = {}): Promise<Float32Array> {
    const out = new Float32Array(ds.rows * ds.cols);
    await this.withAbort(opts.signal, [...this.workersOf(ds)], async (w) => {
      const s = await this.ensureResident(w, ds);
      for (const i of ds.chunksOf(w)) {
        const part = ds.streamed ? await ds.readChunk(i) : await this.guard(s, s.remote.get(ds.id, i));
        out.set(part, ds.chunkRange(i)[0] * ds.cols);
      }
    });
    return out;
  }

  /** Frees a dataset's chunks in every worker. */
  async release(ds: Dataset): Promise<void> {
    if (ds.released) return;
    ds.released = true;
    ds.companions.clear();
    ds.companionOf?.companions.delete(ds);
    await Promise.all(
      this.slots.map(async (s) => {
        if (!s || !s.resident.delete(ds.id)) return;
        await this.guard(s, s.remote.drop(ds.id)).catch(() => {});
      }),
    );
  }

  /**
   * Runs `fn` for each worker; on abort, rejects at once with EABORT and restarts those workers (wasm code
   * cannot be interrupted), so the next call finds a clean pool.
   */
  private async withAbort(signal: AbortSignal | undefined, workers: number[], fn: (w: number) => Promise<unknown>): Promise<void> {
    const abortError = () => new GaussfaceError('operation cancelled (AbortSignal)', 'EABORT');
    if (signal?.aborted) throw abortError();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        for (const w of workers) this.stop(w, 'was restarted to cancel a call (AbortSignal)');
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await (signal ? Promise.race([Promise.all(workers.map(fn)), aborted]) : Promise.all(workers.map(fn)));
    } finally {
      signal?.removeEventListener('abort', onAbort!);
    }
  }

  /** Terminates worker w (it is started again, empty, on next use). Exposed for tests of failure paths. */
  restart(w: number): void {
    this.stop(w, 'was restarted');
  }

  /** Ends worker w (`s`, its current slot): its calls reject with EWORKER saying `how` it ended and what data went with it. */
  private stop(w: number, how: string, s = this.slots[w]): void {
    const held = s ? [...s.resident].join(', ') || 'none' : '';
    s?.kill(`worker ${w} ${how}; the data it held (datasets ${held}) is sent again on the next call`, 'EWORKER');
  }

  /** Terminates every worker; the pool cannot be used afterwards. Calls still running reject with EABORT. */
  close(): void {
    this.closed = true;
    const why = 'the pool was closed (pool.close() or shutdown()) while the call was running; call again (after shutdown(), the next call starts a new default pool)';
    for (let w = 0; w < this.size; w++) this.slots[w]?.kill(why, 'EABORT');
  }
}

/** A task from the table (`tasks.linalg.gemm`), not its name: JavaScript callers get no type check. */
function checkTask(task: TaskDef): void {
  if (typeof task?.name !== 'string' || typeof task.run !== 'function')
    throw new GaussfaceError(`a pool task must be an entry of the tasks table (e.g. tasks.linalg.gemm), got ${typeof task === 'string' ? `the string '${task}'` : typeof task}`, 'EINPUT');
}

/** The still attached (transferable) buffers of the results in `values`, to hand back. */
const spareBuffers = (values: unknown[]) => [...buffersIn(values)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);

/** A NaN or ±Infinity in a dataset's rows; `at` (its flat index) orders failures by row. */
class NonFiniteError extends GaussfaceError {
  constructor(ds: Dataset, readonly at: number, value: number) {
    const [i, j] = [Math.floor(at / ds.cols), at % ds.cols];
    super(`${ds.name} contains ${value} at row ${i}, column ${j}: remove or impute missing/infinite values first`, 'EINPUT');
  }
}

/** The lifecycle hooks of an in-thread executor: nothing to start, stop or keep alive. */
function inThreadHandle(): WorkerHandle {
  return { endpoint: undefined as unknown as WorkerHandle['endpoint'], terminate: () => {}, onDeath: () => {}, setBusy: () => {} };
}

/** Deno's Web Workers keep the process alive while they exist: there, idle workers are stopped. */
const DENO_IDLE_MS = 250;

function defaultIdleTimeout(): number {
  return (globalThis as any).Deno ? DENO_IDLE_MS : Infinity;
}

let defaultPool: Promise<Pool> | undefined;

/** The shared default pool (one worker per core), created on first use. */
export function getPool(): Promise<Pool> {
  defaultPool ??= Pool.create();
  return defaultPool;
}

/**
 * Whether an environment variable is set to 1: Node, and Deno when env access is already granted (asking would
 * put a permission prompt in front of the user); never in browsers.
 */
function envFlag(name: string): boolean {
  const g = globalThis as any;
  if (g.Deno) {
    const granted = g.Deno.permissions?.querySync?.({ name: 'env', variable: name })?.state === 'granted';
    return granted && g.Deno.env.get(name) === '1';
  }
  return g.process?.env?.[name] === '1';
}

/** Closes the default pool so that a script can exit; the next call creates a new one. */
export async function shutdown(): Promise<void> {
  const p = defaultPool;
  defaultPool = undefined;
  if (p) (await p).close();
}
