// Seeded random numbers from the engine's counter-based generator (Philox4x32-10): draw i of a stream is a
// function of (seed, stream, i) only, so results never depend on how work is split between workers.
import type { Engine } from './engine.js';
import { GaussfaceError } from './errors.js';

/**
 * A seeded source of random draws. Each `Random` owns one stream of the seed; every call consumes the next
 * draws of that stream.
 */
export class Random {
  readonly seed: number;
  readonly stream: number;
  private offset = 0;

  constructor(seed: number, stream = 0) {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER)
      throw new GaussfaceError(`randomState must be an integer from 0 to 2^53−1, got ${seed}`, 'EINPUT');
    this.seed = seed;
    this.stream = stream >>> 0;
  }

  /** A seed from the runtime's entropy source, for unseeded use. */
  static entropySeed(): number {
    const a = new Uint32Array(2);
    globalThis.crypto.getRandomValues(a);
    return a[0] + (a[1] & 0x1fffff) * 2 ** 32;
  }

  private draw<T extends Float32Array | Float64Array>(engine: Engine, kernel: 'rng_uniform' | 'rng_uniform64' | 'rng_normal', n: number, out: T): T {
    const bytes = out.BYTES_PER_ELEMENT;
    engine.scoped((take) => {
      const p = take(n * bytes);
      engine.call(kernel, this.seed % 2 ** 32, Math.floor(this.seed / 2 ** 32), this.stream, this.offset, n, p);
      out.set(bytes === 4 ? engine.f32(p, n) : engine.f64(p, n));
    });
    this.offset += n;
    return out;
  }

  /** n uniform draws in [0, 1), float64. */
  uniform(engine: Engine, n: number): Float64Array {
    return this.draw(engine, 'rng_uniform64', n, new Float64Array(n));
  }

  /** n standard normal draws, float32. */
  normal(engine: Engine, n: number): Float32Array {
    return this.draw(engine, 'rng_normal', n, new Float32Array(n));
  }

  /** An integer in [0, n). */
  integer(engine: Engine, n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform(engine, 1)[0] * n));
  }

  /** k distinct integers from [0, n), in draw order (partial Fisher–Yates). */
  choice(engine: Engine, n: number, k: number): Int32Array {
    if (k > n) throw new GaussfaceError(`cannot choose ${k} distinct items out of ${n}`, 'EINPUT');
    const u = this.uniform(engine, k);
    const picked = new Map<number, number>();
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      const j = i + Math.min(n - i - 1, Math.floor(u[i] * (n - i)));
      const vj = picked.get(j) ?? j;
      picked.set(j, picked.get(i) ?? i);
      out[i] = vj;
    }
    return out;
  }

  /** A permutation of [0, n). */
  permutation(engine: Engine, n: number): Int32Array {
    return this.choice(engine, n, n);
  }
}
