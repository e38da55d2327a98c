// Shared by the load scripts (test/load/*.mjs, run by `npm run test:load`, outside `npm test`): each scenario
// checks its outcome, exits non-zero when it is wrong, and prints one JSON line of figures for RELIABILITY.md.
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A full garbage collection (the flag is set at run time: on the command line it would reach the workers). */
export const gc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
})();

/** Resident set size in MiB after garbage collection in this thread (workers collect on their own). */
export async function rssAfterGc() {
  for (let i = 0; i < 2; i++) {
    await new Promise((r) => setTimeout(r, 20));
    gc();
  }
  return process.memoryUsage().rss / 2 ** 20;
}

/** Wall-clock milliseconds of `fn()` and its result. */
export async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** The same bytes (typed arrays, or Matrix-like objects with `data`). */
export function sameBits(a, b) {
  const bytes = (x) => {
    const v = x.data ?? x;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  };
  return bytes(a).equals(bytes(b));
}

/** Fails the scenario (exit 1) with a message unless `ok`. */
export function check(ok, message) {
  if (!ok) {
    console.error(`FAILED: ${message}`);
    process.exit(1);
  }
}

/** Prints the scenario's figures (one JSON line; the runner collects it). */
export function report(scenario, figures) {
  console.log(JSON.stringify({ scenario, ...figures }));
}

/** Rounds to `d` decimals for the report. */
export const round = (x, d = 0) => Number(x.toFixed(d));

/**
 * A fit that runs for seconds (a full-covariance mixture of 3,000 synthetic faces, 256 values each, spread over
 * the pool's workers, one message per EM step), to interrupt; and a short one whose bits are compared before and
 * after the interruption.
 */
export async function fits(sdk) {
  const { GaussianMixture, syntheticFaces } = sdk;
  const big = syntheticFaces({ n: 3000, size: 16, seed: 5 }).X;
  const small = syntheticFaces({ n: 400, size: 16, seed: 6 }).X;
  return {
    long: async (opts = {}) => (await new GaussianMixture({ nComponents: 6, tol: 0, maxIter: 30, randomState: 1, onWarning: () => {}, ...opts }).fit(big)).means,
    short: async (opts = {}) => (await new GaussianMixture({ nComponents: 3, randomState: 2, ...opts }).fit(small)).means,
  };
}

/** How `promise` settled — `{ err }` or `{ value }` — and the milliseconds from `t0` until it did. */
export async function outcome(promise, t0) {
  const r = await promise.then((value) => ({ value }), (err) => ({ err }));
  return { ...r, ms: performance.now() - t0 };
}

/** The error `promise` rejects with and the milliseconds from `t0` until it did (fails if it resolves). */
export async function rejection(promise, t0) {
  const { err, ms } = await outcome(promise, t0);
  check(err, 'the interrupted fit resolved');
  return { err, ms };
}
