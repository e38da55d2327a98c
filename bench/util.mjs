// Small timing helpers shared by the bench sections.

/** Median of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall-clock seconds of `reps` runs of `fn` (after one untimed warm-up when reps > 1). */
async function times(reps, fn) {
  if (reps > 1) await fn();
  const out = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

/** Median seconds of `reps` runs of `fn`. */
export async function timeit(reps, fn) {
  return median(await times(reps, fn));
}

/** Fastest of `reps` runs of `fn`: on a shared machine noise only ever adds time. */
export async function bestOf(reps, fn) {
  return Math.min(...(await times(reps, fn)));
}
