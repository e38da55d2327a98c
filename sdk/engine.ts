// One engine instance = one WebAssembly instance with its own linear memory. This module compiles the
// embedded .wasm once, instantiates it, and turns traps, aborts and failure codes into readable Errors.
// It is the only place that knows how the engine is instantiated.
import portableBytes from '../build/gaussface.wasm';
import fmaBytes from '../build/gaussface-fma.wasm';
import { GaussfaceError } from './errors.js';

/** Raw engine exports: byte offsets and sizes in, numbers out. */
export type EngineExports = Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };

const WASM32_LIMIT = 2 ** 32;

/**
 * The advice closing an out-of-engine-memory error. It fits the models that can stream their rows; one that
 * cannot (K-Means) replaces it with its own (the exact text is the hook, also across the worker boundary).
 */
export const STREAM_ADVICE = 'Process the data in smaller chunks (pool datasets stream by rows) or reduce the problem size.';
/**
 * Which engine build: 'portable' (plain SIMD: the same bits in every runtime and on every CPU; the default) or
 * 'fma' (relaxed SIMD's fused multiply-add in the GEMM micro-kernel: faster, deterministic on one machine, but
 * its bits differ from the portable build's and between CPUs with and without FMA).
 */
export type EngineBuild = 'portable' | 'fma';

const compiled = new Map<EngineBuild, Promise<WebAssembly.Module>>();

/** Compiles an embedded engine build once per thread; the Module can be posted to workers. */
export function compileEngine(build: EngineBuild = 'portable'): Promise<WebAssembly.Module> {
  let m = compiled.get(build);
  if (!m) {
    m = WebAssembly.compile((build === 'fma' ? fmaBytes : portableBytes) as BufferSource).catch((e) => {
      compiled.delete(build); // a later call may succeed (e.g. after other instances were freed)
      throw startFailure(e, 'compile');
    });
    compiled.set(build, m);
  }
  return m;
}

/**
 * An engine that cannot start for lack of memory: an ENOMEM error with what to change. Each instance reserves
 * about 10 GiB of address space up front (its 4 GiB memory and V8's guard regions, which spare it bounds
 * checks), so a virtual-memory limit (`ulimit -v`) of tens of GiB stops a pool long before RAM runs out.
 * Anything else passes through unchanged.
 */
function startFailure(e: unknown, step: 'compile' | 'instantiate'): unknown {
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

let fma: Promise<boolean> | undefined;

/**
 * Whether this runtime can run the FMA build. Browsers, Deno and Node ≥ 22 have relaxed SIMD; Node 20 has it
 * behind a V8 flag, which is turned on here (it changes nothing but which WebAssembly opcodes validate).
 */
export function fmaAvailable(): Promise<boolean> {
  fma ??= (async () => {
    if (WebAssembly.validate(fmaBytes as BufferSource)) return true;
    const g = globalThis as any;
    if (typeof g.process?.versions?.node !== 'string' || g.Deno) return false;
    (await import('./io/node-v8.js')).enableRelaxedSimd();
    return WebAssembly.validate(fmaBytes as BufferSource);
  })();
  return fma;
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
  static async instantiate(module?: WebAssembly.Module): Promise<Engine> {
    const mod = module ?? (await compileEngine());
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
    const instance = await WebAssembly.instantiate(mod, imports).catch((e) => {
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
    return ptr;
  }

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
    if (ptr) this.exports.free(ptr);
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
  scoped<T>(fn: (take: (bytes: number) => number) => T): T {
    const taken: number[] = [];
    try {
      return fn((bytes) => {
        const p = this.alloc(bytes);
        taken.push(p);
        return p;
      });
    } finally {
      for (const p of taken) this.free(p);
    }
  }

  /**
   * Calls an export; a wasm trap becomes a GaussfaceError naming the kernel instead of "unreachable".
   */
  call(name: string, ...args: number[]): number {
    const fn = this.exports[name];
    if (typeof fn !== 'function') throw new GaussfaceError(`engine has no kernel "${name}"`);
    try {
      return fn(...args);
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

/** Loads an engine in the current thread (Node, Deno or a browser). */
export function loadEngine(module?: WebAssembly.Module): Promise<Engine> {
  return Engine.instantiate(module);
}
