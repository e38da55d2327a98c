// One engine instance = one WebAssembly instance with its own linear memory: instantiation from a compiled
// Module, and traps, aborts and failure codes turned into readable Errors. The embedded .wasm bytes live in
// engine-builds.ts, which workers never load: they instantiate the Module the page compiled and posted.
import { GaussfaceError } from './errors.js';
import type { Kernels } from '../build/kernels.js';

export type { Kernels };
/** Raw engine exports: byte offsets and sizes in, numbers out (their signatures: build/kernels.d.ts). */
export type EngineExports = Kernels & { memory: WebAssembly.Memory };
/** A kernel of the engine, by the name it is exported under. */
export type KernelName = Exclude<keyof Kernels, 'alloc' | 'free'>;

const WASM32_LIMIT = 2 ** 32;

/** Values in engine memory for the life of a `scoped` call: the pointer kernels take, and views for JavaScript. */
export interface EngineArray<T extends Float32Array | Float64Array> {
  readonly ptr: number;
  readonly length: number;
  /** A fresh view (never keep it across a call that may allocate: memory growth detaches it). */
  view(): T;
  /** A copy that outlives the scope. */
  read(): T;
}

/**
 * The advice closing an out-of-engine-memory error. It fits the models that can stream their rows; one that
 * cannot (K-Means) replaces it with its own (the exact text is the hook, also across the worker boundary).
 */
export const STREAM_ADVICE = 'Process the data in smaller chunks (pool datasets stream by rows) or reduce the problem size.';

/**
 * An engine that cannot start for lack of memory: an ENOMEM error with what to change. Each instance reserves
 * about 10 GiB of address space up front (its 4 GiB memory and V8's guard regions, which spare it bounds
 * checks), so a virtual-memory limit (`ulimit -v`) of tens of GiB stops a pool long before RAM runs out.
 * Anything else passes through unchanged.
 */
export function startFailure(e: unknown, step: 'compile' | 'instantiate'): unknown {
  if (!(e instanceof RangeError) || !/out of memory|cannot allocate/i.test(e.message)) return e;
  return new GaussfaceError(
    `cannot start a WebAssembly engine (${step}): out of memory (${e.message}). Each engine instance — one in ` +
      `this thread and one per pool worker — reserves about 10 GiB of virtual address space: under a ` +
      `virtual-memory limit (ulimit -v) raise it to at least 10 GiB per instance or remove it, use fewer workers ` +
      `(Pool.create({ workers: 1 }) or { inline: true }), or in Node start with --disable-wasm-trap-handler ` +
      `(about 4 GiB per instance; the engine runs somewhat slower with explicit bounds checks).`,
    'ENOMEM',
  );
}

/**
 * What `scoped` hands its callback: `take(bytes)` for raw scratch (kernel workspaces, chunk-sized buffers), and
 * typed arrays — `f64(values)` copies values in, `f64(n)` is n zeros — so that host code never computes offsets.
 */
export interface Scratch {
  (bytes: number): number;
  f32(init: number | ArrayLike<number>): EngineArray<Float32Array>;
  f64(init: number | ArrayLike<number>): EngineArray<Float64Array>;
}

/** A live engine instance: allocation, typed views and checked calls. */
export class Engine {
  readonly exports: EngineExports;
  readonly memory: WebAssembly.Memory;

  private constructor(instance: WebAssembly.Instance, abortState: { message?: string }) {
    this.exports = instance.exports as unknown as EngineExports;
    this.memory = this.exports.memory;
    this.abortState = abortState;
  }
  private abortState: { message?: string };

  /** Instantiates a compiled engine module (from `compileEngine()` or posted from another thread). */
  static async instantiate(module: WebAssembly.Module): Promise<Engine> {
    const state: { message?: string } = {};
    let engine: Engine | undefined;
    const imports = {
      env: {
        abort(msg: number, file: number, line: number, col: number) {
          state.message = engine
            ? `${engine.readString(msg)} (${engine.readString(file)}:${line}:${col})`
            : 'engine aborted during start-up';
          throw new GaussfaceError(`gaussface engine: ${state.message}`);
        },
      },
    };
    const instance = await WebAssembly.instantiate(module, imports).catch((e) => {
      throw startFailure(e, 'instantiate');
    });
    engine = new Engine(instance, state);
    (instance.exports._initialize as (() => void) | undefined)?.();
    return engine;
  }

  /** Bytes of linear memory currently reserved by the instance. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Allocates `bytes` bytes (16-byte aligned) in engine memory. Throws a GaussfaceError naming the size and
   * the 4 GiB wasm32 limit instead of trapping when the instance cannot grow.
   */
  alloc(bytes: number): number {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new GaussfaceError(`alloc: invalid size ${bytes}`);
    const need = Math.max(16, Math.ceil(bytes));
    if (need > 2 ** 30 - 64) throw this.oom(need, 'a single engine buffer is limited to 1 GiB');
    let ptr: number;
    try {
      ptr = this.exports.alloc(need) >>> 0;
    } catch (e) {
      if (e instanceof GaussfaceError) throw this.oom(need, e.message);
      throw this.oom(need, 'the instance could not grow its memory');
    }
    if (ptr === 0) throw this.oom(need, 'the instance could not grow its memory');
    this.allocations++;
    return ptr;
  }

  /** Buffers allocated and not yet freed: 0 means nothing in engine memory is in use (see Executor.drop). */
  get live(): number {
    return this.allocations;
  }
  private allocations = 0;

  private oom(bytes: number, why: string): GaussfaceError {
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    return new GaussfaceError(
      `out of engine memory: cannot allocate ${mib(bytes)} MiB (${why}; instance uses ${mib(this.byteLength)} MiB ` +
        `of the ${mib(WASM32_LIMIT)} MiB wasm32 limit). ${STREAM_ADVICE}`,
      'ENOMEM',
    );
  }

  /** Frees a buffer returned by `alloc`. */
  free(ptr: number): void {
    if (!ptr) return;
    this.exports.free(ptr);
    this.allocations--;
  }

  /** Fresh views: never keep them across a call that may allocate (memory growth detaches the buffer). */
  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, len);
  }
  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, len);
  }
  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, len);
  }
  u32(ptr: number, len: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, len);
  }

  /** Copies `src` into a new engine buffer (f32) and returns its offset. */
  putF32(src: ArrayLike<number>): number {
    const ptr = this.alloc(src.length * 4);
    this.f32(ptr, src.length).set(src);
    return ptr;
  }
  /** Copies `src` into a new engine buffer (f64) and returns its offset. */
  putF64(src: ArrayLike<number>): number {
    const ptr = this.alloc(src.length * 8);
    this.f64(ptr, src.length).set(src);
    return ptr;
  }
  /** Copies `src` into a new engine buffer (i32) and returns its offset. */
  putI32(src: ArrayLike<number>): number {
    const ptr = this.alloc(src.length * 4);
    this.i32(ptr, src.length).set(src);
    return ptr;
  }

  /**
   * Runs `fn` with scratch allocations that are freed afterwards, whatever happens: the pattern every
   * kernel call uses so that an error never leaks engine memory.
   */
  scoped<T>(fn: (take: Scratch) => T): T {
    const taken: number[] = [];
    const take = ((bytes: number) => {
      const p = this.alloc(bytes);
      taken.push(p);
      return p;
    }) as Scratch;
    const typed = <A extends Float32Array | Float64Array>(make: (ptr: number, n: number) => A, size: number) => (init: number | ArrayLike<number>): EngineArray<A> => {
      const n = typeof init === 'number' ? init : init.length;
      const ptr = take(n * size);
      const view = () => make(ptr, n);
      if (typeof init === 'number') view().fill(0);
      else view().set(init);
      return { ptr, length: n, view, read: () => view().slice() as A };
    };
    take.f32 = typed((p, n) => this.f32(p, n), 4);
    take.f64 = typed((p, n) => this.f64(p, n), 8);
    try {
      return fn(take);
    } finally {
      for (const p of taken) this.free(p);
    }
  }

  /**
   * Calls a kernel with its arguments as declared in the engine (type-checked against build/kernels.d.ts); a wasm
   * trap becomes a GaussfaceError naming the kernel instead of "unreachable".
   */
  call<K extends KernelName>(name: K, ...args: Parameters<Kernels[K]>): ReturnType<Kernels[K]> {
    const fn = this.exports[name] as unknown as (...a: number[]) => ReturnType<Kernels[K]>;
    if (typeof fn !== 'function') throw new GaussfaceError(`engine has no kernel "${name}"`);
    try {
      return fn(...(args as number[]));
    } catch (e) {
      if (e instanceof GaussfaceError) throw e;
      throw new GaussfaceError(`engine kernel ${name} failed: ${(e as Error).message}`, 'ETRAP');
    }
  }

  /** Reads an AssemblyScript string (UTF-16, byte length stored 4 bytes before it). */
  readString(ptr: number): string {
    if (!ptr) return '';
    const bytes = new Uint32Array(this.memory.buffer, ptr - 4, 1)[0];
    const units = new Uint16Array(this.memory.buffer, ptr, bytes >>> 1);
    let s = '';
    for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.subarray(i, i + 4096));
    return s;
  }
}
