// Peak memory of a fit, against the size of its data: a regression test for copies of the rows. A child process
// (so that nothing else in this one counts) fits a randomized PCA to 2400 × 4096 rows (37.5 MiB of f32) on two
// workers and reports its peak RSS above the RSS before the data existed, in units of the data's bytes. The rows
// are held once in the calling thread and once across the workers; the rest is the sketch's scratch and results
// that wait for the garbage collector. Measured (2 cores, shared): 3.8×; with the centred copy that the workers
// used to keep, 4.5× (GAUSSFACE_DIST=<folder> runs it on another build). Linux only (peak RSS from
// /proc/self/status, reset through /proc/self/clear_refs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const CHILD = fileURLToPath(new URL('./memory/pca-peak.mjs', import.meta.url));
const DIST = process.env.GAUSSFACE_DIST ?? fileURLToPath(new URL('../dist', import.meta.url));
const BOUND = 4.2;

test(`a randomized PCA fit peaks below ${BOUND}× its data's bytes above the idle process`, () => {
  if (!existsSync('/proc/self/clear_refs')) {
    console.log('  skipped: needs Linux /proc (peak RSS and its reset)');
    return;
  }
  const r = spawnSync(process.execPath, [CHILD, DIST], { encoding: 'utf8', timeout: 120000 });
  assert.is(r.status, 0, r.stderr);
  const { ratio, peak, base, bytes } = JSON.parse(r.stdout.trim().split('\n').pop());
  const mib = (x) => (x / 2 ** 20).toFixed(0);
  console.log(`  peak ${mib(peak)} MiB, idle ${mib(base)} MiB, data ${mib(bytes)} MiB: ${ratio.toFixed(2)}× the data`);
  assert.ok(ratio < BOUND, `peak RSS is ${ratio.toFixed(2)}× the data above the idle process (bound ${BOUND}×): something keeps another copy of the rows`);
});

test.run();
