// The PCA + GMM table of QUALITY.md from the runs' JSON files in .bench-cache/quality (ours.mjs, sklearn_best.py).
// Usage: node bench/quality/table.mjs lfw|celeba  → markdown rows on stdout.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CACHE } from './data.mjs';

const name = process.argv[2] ?? 'lfw';
const f5 = (v) => (v === undefined ? '—' : v.toFixed(5));
const f2 = (v) => (v === undefined ? '—' : v.toFixed(2));
const rows = [];
const ours = readdirSync(CACHE).filter((f) => f.startsWith(`ours-${name}-pca`)).map((f) => JSON.parse(readFileSync(`${CACHE}/${f}`, 'utf8'))).sort((a, b) => a.pca - b.pca);
for (const o of ours)
  for (const [label, r] of [['BIC', o.bic], ['5-fold CV', o.cv]])
    rows.push([`gaussface, chosen by ${label}`, o.pca, `${r.covarianceType} k=${r.nComponents}`, f5(r.heldOutPerPixel), f5(r.trainPerPixel), `${f2(r.medianSampleToTrain)} / ${f2(r.medianHeldOutToTrain)}`]);
const skFile = `${CACHE}/sklearn-${name}.json`;
if (existsSync(skFile)) {
  const sk = JSON.parse(readFileSync(skFile, 'utf8'));
  for (const p of [...new Set(sk.rows.map((r) => r.pca))]) {
    const b = sk.bicChoice[p];
    rows.push(['scikit-learn, chosen by BIC', p, `${b.type} k=${b.k}`, f5(b.heldOutPerPixel), f5(b.trainPerPixel), '—']);
    const best = sk.rows.filter((r) => r.pca === p).reduce((a, c) => (c.heldOutPerPixel > a.heldOutPerPixel ? c : a));
    const isBest = best.pca === sk.best.pca && best.k === sk.best.k && best.type === sk.best.type;
    rows.push([`scikit-learn, best on the held-out set${isBest ? ' (**overall best**)' : ''}`, p, `${best.type} k=${best.k}`, f5(best.heldOutPerPixel), f5(best.trainPerPixel), isBest ? `${f2(sk.best.medianSampleToTrain)} / ${f2(sk.best.medianHeldOutToTrain)}` : '—']);
  }
}
rows.sort((a, b) => a[1] - b[1]);
console.log('| model | PCA k | mixture | held-out nats/pixel | train nats/pixel | nearest training face, median: samples / held-out |');
console.log('| --- | ---: | --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
