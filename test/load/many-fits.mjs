// 1,000 small fits in one process (the repro: full-covariance mixtures of 200 synthetic 16×16 faces, with
// a K-Means and a PCA every 10th fit), RSS sampled after GC every 100 fits: it must stay flat. Before the fix
// RSS grew ~6.6 MB per mixture fit and stayed after shutdown().
import { GaussianMixture, KMeans, PCA, shutdown, syntheticFaces } from '../../dist/index.js';
import { check, report, round, rssAfterGc } from './lib.mjs';

const N = Number(process.argv[2] ?? 1000);
const { X } = syntheticFaces({ n: 200, size: 16, seed: 1 });
const samples = [];
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  await new GaussianMixture({ nComponents: 3, randomState: i }).fit(X);
  if (i % 10 === 9) {
    await new KMeans({ nClusters: 4, randomState: i }).fit(X);
    await new PCA({ nComponents: 8 }).fit(X);
  }
  if ((i + 1) % 100 === 0) samples.push(round(await rssAfterGc()));
}
const seconds = (performance.now() - t0) / 1000;
await shutdown();
const after = round(await rssAfterGc());
// Flat: after the first 100 fits (pools, compiled code and heaps warmed up) RSS moves by less than 64 MiB.
const growth = Math.max(...samples.slice(1)) - samples[0];
check(growth < 64, `RSS grew ${growth} MiB between fit 100 and fit ${N} (samples ${samples.join(', ')})`);
report(`${N} small fits in one process`, { seconds: round(seconds, 1), rssEvery100MiB: samples.join(' '), growthMiB: growth, afterShutdownMiB: after });
