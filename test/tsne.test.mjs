// t-SNE: separated clusters stay separated and neighbours stay neighbours; seeded maps are reproducible.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tsne } from '../dist/index.js';
import { rejects, rng } from './helpers/util.mjs';

test('three 10-D clusters become three separated groups in 2-D, reproducibly', async () => {
  const r = rng(4);
  const normal = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const labels = [];
  const X = [];
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < 40; i++) {
      X.push(Array.from({ length: 10 }, (_, j) => (j === c ? 8 : 0) + normal()));
      labels.push(c);
    }
  const Y = await tsne(X, { perplexity: 15, iterations: 400, randomState: 1 });
  assert.equal([Y.rows, Y.cols], [120, 2]);
  // Nearest neighbour in the map has the same cluster for (almost) every point.
  let same = 0;
  for (let i = 0; i < 120; i++) {
    let [best, bd] = [-1, Infinity];
    for (let j = 0; j < 120; j++) {
      if (i === j) continue;
      const d = (Y.get(i, 0) - Y.get(j, 0)) ** 2 + (Y.get(i, 1) - Y.get(j, 1)) ** 2;
      if (d < bd) [best, bd] = [j, d];
    }
    if (labels[best] === labels[i]) same++;
  }
  assert.ok(same >= 114, `${same}/120 nearest neighbours share the cluster`);
  const again = await tsne(X, { perplexity: 15, iterations: 400, randomState: 1 });
  assert.equal(Array.from(again.data), Array.from(Y.data));
  await rejects(() => tsne(X, { perplexity: 500 }), /perplexity must be between 1 and the number of points/);
});

test.run();
