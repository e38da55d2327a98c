// The PCA + GMM table of QUALITY.md from the runs' JSON files in .bench-cache/quality (ours.mjs, sklearn_best.py).
// Usage: node bench/quality/table.mjs lfw|celeba  → markdown rows on stdout.
import { readdirSync, readFileSync } from 'node:fs';
import { CACHE } from './data.mjs';

const name = process.argv[2] ?? 'lfw';
const f5 = (v) => (v === undefined ? '—' : v.toFixed(5));
const f2 = (v) => (v === undefined ? '—' : v.toFixed(2));
const rows = [];
const ours = readdirSync(CACHE).filter((f) => f.startsWith(`ours-${name}-pca`)).map((f) => JSON.parse(readFileSync(`${CACHE}/${f}`, 'utf8'))).sort((a, b) => a.pca - b.pca);
for (const o of ours)
  for (const [label, r] of [['BIC', o.bic], ['5-fold CV', o.cv]])
    rows.push([`gaussface, chosen by ${label}`, o.pca, `${r.covarianceType} k=${r.nComponents}`, f5(r.heldOutPerPixel), f5(r.trainPerPixel), `${f2(r.medianSampleToTrain)} / ${f2(r.medianHeldOutToTrain)}`]);
// scikit-learn runs of this set (sklearn-<set><tag>.json, several when PCA sizes were added later), merged.
const runs = readdirSync(CACHE).filter((f) => f.startsWith(`sklearn-${name}`) && f.endsWith('.json')).map((f) => JSON.parse(readFileSync(`${CACHE}/${f}`, 'utf8')));
if (runs.length) {
  const all = runs.flatMap((r) => r.rows);
  const top = runs.map((r) => r.best).reduce((a, c) => (c.heldOutPerPixel > a.heldOutPerPixel ? c : a));
  for (const p of [...new Set(all.map((r) => r.pca))]) {
    const mine = all.filter((r) => r.pca === p);
    const b = mine.reduce((a, c) => (c.bic < a.bic ? c : a));
    rows.push(['scikit-learn, chosen by BIC', p, `${b.type} k=${b.k}`, f5(b.heldOutPerPixel), f5(b.trainPerPixel), '—']);
    const best = mine.reduce((a, c) => (c.heldOutPerPixel > a.heldOutPerPixel ? c : a));
    const isTop = best.pca === top.pca && best.k === top.k && best.type === top.type;
    rows.push([`scikit-learn, best on the held-out set${isTop ? ' (**overall best**)' : ''}`, p, `${best.type} k=${best.k}`, f5(best.heldOutPerPixel), f5(best.trainPerPixel), isTop ? `${f2(top.medianSampleToTrain)} / ${f2(top.medianHeldOutToTrain)}` : '—']);
  }
}
rows.sort((a, b) => a[1] - b[1]);
console.log('| model | PCA k | mixture | held-out nats/pixel | train nats/pixel | nearest training face, median: samples / held-out |');
console.log('| --- | ---: | --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
