// How much one sample() call may return: the draws and their output are whole arrays in this thread and in
// engine buffers (at most 1 GiB each), so an unbounded n ended in a raw RangeError or out-of-memory crash.
import { GaussfaceError } from './errors.js';

/** Values (samples × values per sample) one sample() call returns at most: 2^26, 512 MiB as float64. */
export const MAX_SAMPLE_VALUES = 2 ** 26;

/**
 * Checks that `n` (the argument called `name`) is a sample count one call can return, `width` values each; else
 * an EINPUT error saying how to batch.
 */
export function checkSampleCount(caller: string, n: number, width: number, name = 'n'): void {
  if (!Number.isInteger(n) || n < 1) throw new GaussfaceError(`${caller}: ${name} must be an integer ≥ 1, got ${n}`, 'EINPUT');
  if (n * width <= MAX_SAMPLE_VALUES) return;
  const batch = Math.max(1, Math.floor(MAX_SAMPLE_VALUES / width));
  throw new GaussfaceError(
    `${caller}: ${name} = ${n} samples of ${width} values is more than the ${MAX_SAMPLE_VALUES} values (2^26) one call ` +
      `returns; draw them in batches of at most ${batch} samples, each with its own randomState`,
    'EINPUT',
  );
}
