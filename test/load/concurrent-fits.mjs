// 20 fits at once in one process on the default pool (7 full-covariance mixtures, 7 PCA, 6 K-Means, each its
// own object): every one completes, with the same bits as when the same fits run one after another.
import { GaussianMixture, KMeans, PCA, shutdown, syntheticFaces } from '../../dist/index.js';
import { check, report, round, sameBits, timed, rssAfterGc } from './lib.mjs';

const { X } = syntheticFaces({ n: 600, size: 16, seed: 7 }); // 600 × 256
const KINDS = ['gmm', 'pca', 'kmeans'];
const kinds = Array.from({ length: 20 }, (_, i) => KINDS[i % 3]);
const fit = {
  gmm: async (i) => (await new GaussianMixture({ nComponents: 3, randomState: i }).fit(X)).means,
  pca: async (i) => (await new PCA({ nComponents: 10 + i, svdSolver: 'randomized', randomState: i }).fit(X)).components,
  kmeans: async (i) => (await new KMeans({ nClusters: 8, randomState: i }).fit(X)).clusterCenters,
};
const fits = kinds.map((k, i) => () => fit[k](i));

const rss0 = await rssAfterGc();
const one = await timed(async () => {
  const out = [];
  for (const f of fits) out.push(await f());
  return out;
});
const all = await timed(() => Promise.all(fits.map((f) => f())));
const peak = process.resourceUsage().maxRSS / 1024;
const differ = all.value.map((r, i) => (sameBits(r, one.value[i]) ? null : i)).filter((i) => i !== null);
check(differ.length === 0, `fits ${differ} differ between the concurrent and the sequential run`);
await shutdown();
report('20 concurrent fits, default pool', {
  fits: '7 GMM full (k 3), 7 randomized PCA, 6 K-Means (k 8); 600×256 each',
  sequentialS: round(one.ms / 1000, 1), concurrentS: round(all.ms / 1000, 1), sameBits: true, rssStartMiB: round(rss0), peakRssMiB: round(peak),
});
