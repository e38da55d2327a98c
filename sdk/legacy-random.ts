// numpy's legacy RandomState (MT19937) for the initialisations that scikit-learn draws with it: the k-means++
// seeding, K-Means' 'random' init and the mixture inits. With the same integer seed they pick the same rows as
// scikit-learn, so `randomState: 0` here starts where `random_state=0` starts there. (Everything else — sampling,
// PCA sketches, VAE training — draws from the engine's counter-based Philox streams.)
import { GaussfaceError } from './errors.js';

const N = 624;
const M = 397;

/** A RandomState's state: the 624-word MT19937 key and the position in it. */
export interface RandomStateSnapshot {
  key: Uint32Array;
  pos: number;
}

/**
 * numpy.random.RandomState: `new RandomState(seed)` gives the draws of `RandomState(seed)` for seeds up to
 * 2³²−1; larger seeds (up to 2⁵³−1) are split into two 32-bit words, as `RandomState([low, high])`.
 * Pass an instance as `randomState` to continue one stream across calls, as scikit-learn does.
 */
export class RandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER)
      throw new GaussfaceError(`randomState must be an integer from 0 to 2^53−1, got ${seed}`, 'EINPUT');
    if (seed <= 0xffffffff) this.seedWord(seed);
    else this.seedArray([seed % 2 ** 32, Math.floor(seed / 2 ** 32)]);
  }

  /** init_genrand of the reference MT19937. */
  private seedWord(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) mt[i] = Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
  }

  /** init_by_array of the reference MT19937. */
  private seedArray(key: number[]): void {
    const mt = this.mt;
    this.seedWord(19650218);
    let [i, j] = [1, 0];
    for (let k = Math.max(N, key.length); k > 0; k--) {
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= N) [mt[0], i] = [mt[N - 1], 1];
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i;
      i++;
      if (i >= N) [mt[0], i] = [mt[N - 1], 1];
    }
    mt[0] = 0x80000000;
  }

  /** The generator's state (numpy's get_state: key and position), to continue the stream elsewhere. */
  getState(): RandomStateSnapshot {
    return { key: this.mt.slice(), pos: this.pos };
  }

  /** Continues from a state taken by getState. */
  setState(s: RandomStateSnapshot): this {
    if (!(s.key instanceof Uint32Array) || s.key.length !== N || !Number.isInteger(s.pos) || s.pos < 0 || s.pos > N)
      throw new GaussfaceError(`RandomState.setState: expected a key of ${N} uint32 and a position from 0 to ${N}`, 'EINPUT');
    this.mt.set(s.key);
    this.pos = s.pos;
    return this;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  /** The next 32-bit output (tempered). */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    return (y ^ (y >>> 18)) >>> 0;
  }

  /** A double in [0, 1) from 53 random bits (numpy's random_sample). */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** n draws of uniform(0, 1) (numpy's `uniform(size=n)`). */
  uniform(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextDouble();
    return out;
  }

  /** An integer in [0, max] by numpy's masked rejection (max < 2³²). */
  private interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    for (let s = 1; s < 32; s <<= 1) mask |= mask >>> s;
    mask >>>= 0;
    let v: number;
    while ((v = (this.nextUint32() & mask) >>> 0) > max);
    return v;
  }

  /** An integer in [0, n) (numpy's `randint(n)`, n ≤ 2³²). */
  randint(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new GaussfaceError(`randint needs an integer bound from 1 to 2^32, got ${n}`, 'EINPUT');
    return this.interval(n - 1);
  }

  /** A permutation of [0, n) (numpy's `permutation(n)`: Fisher–Yates from the end). */
  permutation(n: number): Int32Array {
    const out = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** k distinct integers from [0, n) (numpy's `choice(n, k, replace=False)`: the first k of a permutation). */
  choice(n: number, k: number): Int32Array {
    if (k > n) throw new GaussfaceError(`cannot choose ${k} distinct items out of ${n}`, 'EINPUT');
    return this.permutation(n).slice(0, k);
  }
}

/** A randomState option as a RandomState: a seed starts a new stream, an instance continues its own. */
export function randomStateOf(r: number | RandomState | undefined, entropySeed: () => number): RandomState {
  return r instanceof RandomState ? r : new RandomState(r ?? entropySeed());
}
