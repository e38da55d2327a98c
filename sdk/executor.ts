// What runs inside each worker (and, for small jobs, in the calling thread): one engine instance, the row
// chunks resident in its memory, and named tasks that map over those chunks. Pure message passing: the
// pool never shares memory with it.
import { releaseProxy } from 'comlink';
import { Engine } from './engine.js';
import { provideEngine } from './engine-builds.js';
import { GaussfaceError } from './errors.js';
import type { DatasetInfo, Program } from './pool.js';
import { taskByName } from './tasks/index.js';
import { transferable } from './wire.js';

/** A block of rows resident in engine memory. */
export interface Chunk {
  readonly ptr: number;
  readonly rows: number;
  readonly cols: number;
  /** Index of the chunk within its dataset (its place in every ordered reduction). */
  readonly index: number;
  /** Index of the chunk's first row within the dataset. */
  readonly row0: number;
}

/** What a task sees: the engine and the resident chunks it maps over, in chunk order. */
export interface TaskContext {
  readonly engine: Engine;
  /** The chunks of the dataset this call maps over that live in this executor (empty for a broadcast). */
  readonly chunks: readonly Chunk[];
  /**
   * A new resident block of `of.rows × cols` f32, chunk `of.index` of dataset `id` (e.g. projections of
   * `of`): returns its pointer for the task to fill in place (no copy through JavaScript).
   */
  keep(id: number, of: Chunk, cols: number): number;
  /** Another resident chunk by dataset id and chunk index (same executor). */
  resident(id: number, index: number): Chunk;
  /**
   * A copy of `view` (engine memory) to return: made in a buffer of the same size that the caller handed back
   * with this call (see Pool.map's `recycle`) when there is one, so large per-chunk results need no fresh memory.
   */
  copyOut<T extends Float32Array | Float64Array>(view: T): T;
}


/** What `Executor.put` answers. */
export interface PutResult {
  /** Index (within the chunk) of the first value that is NaN or ±Infinity, −1 if none, and that value. */
  bad: number;
  value: number;
  /** The buffer the rows came in, when asked for back. */
  data?: Float32Array;
}

/** The worker-side API the pool calls through comlink. */
/**
 * Engine memory above which an executor left with nothing in it starts a fresh instance: wasm memory only
 * grows, so a worker that held 50 MB of rows would otherwise keep those pages for the life of the process.
 */
const COMPACT_BYTES = 32 * 2 ** 20;

export class Executor {
  private instance: Engine | undefined;
  private module: WebAssembly.Module | undefined;
  private readonly datasets = new Map<number, Map<number, Chunk>>();

  /** `programs`: what `solo` can run here, by name (the worker entry registers them). */
  constructor(private readonly programs: Record<string, Program> = {}) {}

  /**
   * `module`: the engine build this executor runs; `portable`: the portable build, which a worker's in-thread
   * engine (local.ts, used by programs) instantiates — worker scripts carry no engine bytes to compile it from.
   */
  async init(module: WebAssembly.Module, portable: WebAssembly.Module = module): Promise<void> {
    provideEngine('portable', portable);
    this.module = module;
    this.instance = await Engine.instantiate(module);
  }

  /** The executor's engine (after init). */
  get engine(): Engine {
    if (!this.instance) throw new GaussfaceError('executor used before init', 'EWORKER');
    return this.instance;
  }

  /**
   * Stores a chunk of `rows × cols` f32 values as chunk `index` of dataset `id`. Returns the index of its first
   * NaN or ±Infinity (−1 when there is none), checked here at memory speed so that the caller never scans the
   * rows, and with `handBack` the rows' buffer, for a caller that fills it with its next chunk (no fresh memory).
   * A buffer the caller cannot refill is better left here: received back and dropped, such buffers piled up in
   * the caller's thread faster than its garbage collector freed them.
   */
  put(id: number, index: number, row0: number, data: Float32Array, cols: number, handBack = false): PutResult {
    const rows = cols ? data.length / cols : 0;
    const ptr = this.allocate(id, index, row0, rows, cols);
    this.engine.f32(ptr, data.length).set(data);
    const bad = this.engine.call('first_nonfinite', data.length, ptr);
    const value = bad < 0 ? 0 : data[bad];
    return handBack ? transferable({ bad, value, data }, this.engine.memory.buffer) : { bad, value };
  }

  /** Registers a fresh engine buffer as chunk `index` of dataset `id` (replacing any previous one). */
  private allocate(id: number, index: number, row0: number, rows: number, cols: number): number {
    this.drop(id, index);
    const ptr = this.engine.alloc(rows * cols * 4);
    let ds = this.datasets.get(id);
    if (!ds) this.datasets.set(id, (ds = new Map()));
    ds.set(index, { ptr, rows, cols, index, row0 });
    return ptr;
  }

  /**
   * Frees one chunk, or a whole dataset when `index` is omitted. When that leaves the engine with nothing in it
   * (no dataset, no live buffer: no state a later call could need) and its memory has grown past COMPACT_BYTES,
   * the executor swaps it for a fresh instance of the same module, and the old memory goes back to the system.
   */
  drop(id: number, index?: number): void | Promise<void> {
    const ds = this.datasets.get(id);
    if (!ds) return;
    for (const [i, c] of ds) {
      if (index === undefined || i === index) {
        this.engine.free(c.ptr);
        ds.delete(i);
      }
    }
    if (!ds.size) this.datasets.delete(id);
    if (index === undefined && this.idle() && this.engine.byteLength > COMPACT_BYTES) return this.compact();
  }

  private idle(): boolean {
    return this.datasets.size === 0 && this.engine.live === 0;
  }

  private async compact(): Promise<void> {
    // Best effort: if no fresh instance can start (memory is short), the old one carries on.
    const fresh = await Engine.instantiate(this.module!).catch(() => undefined);
    if (!fresh) return;
    // A call that came in while the instance started may have put rows in the old one: then keep it.
    if (this.idle()) this.instance = fresh;
  }

  /** Reads a resident chunk back (f32 copy). */
  get(id: number, index: number): Float32Array {
    const c = this.chunk(id, index);
    return transferable(this.engine.f32(c.ptr, c.rows * c.cols).slice(), this.engine.memory.buffer);
  }

  /**
   * Runs `task` over the given chunks of dataset `id` (a broadcast, with no chunks, when id < 0). `spare`: buffers
   * of earlier results, handed back for `copyOut`; those it does not use are dropped with the call.
   */
  run(task: string, id: number, indices: number[], params: unknown, spare: ArrayBuffer[] = []): unknown {
    const def = taskByName.get(task);
    if (!def) throw new GaussfaceError(`unknown task "${task}"`, 'EWORKER');
    const ctx: TaskContext = {
      engine: this.engine,
      chunks: id < 0 ? [] : indices.map((i) => this.chunk(id, i)),
      keep: (kid, of, cols) => this.allocate(kid, of.index, of.row0, of.rows, cols),
      resident: (rid, i) => this.chunk(rid, i),
      copyOut: (view) => {
        const at = spare.findIndex((b) => b.byteLength === view.byteLength);
        if (at < 0) return view.slice() as typeof view;
        const out = new (view.constructor as new (b: ArrayBuffer) => typeof view)(spare.splice(at, 1)[0]);
        out.set(view);
        return out;
      },
    };
    return transferable(def.run(ctx, params), this.engine.memory.buffer);
  }

  /**
   * Runs a registered program over resident datasets (see Pool.solo). `progress`, when given, is the caller's
   * callback through comlink: called without waiting, released at the end.
   */
  async solo(name: string, datasets: DatasetInfo[], params: unknown, progress?: (p: unknown) => void): Promise<unknown> {
    const prog = this.programs[name];
    try {
      if (!prog) throw new GaussfaceError(`unknown program "${name}"`, 'EWORKER');
      return transferable(await prog.run(this, datasets, params, progress && ((p) => void Promise.resolve(progress(p)).catch(() => {}))), this.engine.memory.buffer);
    } finally {
      (progress as any)?.[releaseProxy]?.();
    }
  }

  /** A copy of row `i` (its index in the whole dataset) of resident chunk `c`. */
  rowOf(c: Chunk, i: number): Float32Array {
    if (!(i >= c.row0 && i < c.row0 + c.rows)) throw new GaussfaceError(`row ${i} is not in chunk ${c.index} (rows ${c.row0}–${c.row0 + c.rows - 1})`, 'EWORKER');
    return this.engine.f32(c.ptr + (i - c.row0) * c.cols * 4, c.cols).slice();
  }

  /** A resident chunk by dataset id and chunk index. */
  chunk(id: number, index: number): Chunk {
    const c = this.datasets.get(id)?.get(index);
    if (!c) throw new GaussfaceError(`chunk ${index} of dataset ${id} is not resident in this worker`, 'EWORKER');
    return c;
  }
}
