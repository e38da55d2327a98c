// @ts-check
// gaussface points: an image as a 2-D point cloud, fitted by a mixture and rendered back.
import { join } from 'node:path';
import { densityImage, GaussianMixture, imageToPoints, renderPoints } from 'gaussface';
import { loadSharp } from 'gaussface/node';
import { flags, interruptible, num, progress, report, UsageError, writeAtomic } from '../common.mjs';
import { outHelp, temperatureOf } from './shared-options.mjs';

export const summary = 'fit a mixture to the dark pixels of a picture and render density and samples';
export const help = `usage: gaussface points IMAGE --out DIR [options]

  --threshold T     pixels darker than T (gray in [0, 1]) become points (default 0.15)
  --components K    mixture size (default 30)
  --n-init N        initialisations, the best kept (default 10)
  --temperature T   covariance scale of the samples in (0, 10] (default 0.6: sharper than the data)
  --samples N       number of sampled points (default 20000)
  --seed N          random seed (default 0)
${outHelp('DIR', 'points.png, density.png, samples.png')}
  --json            print the result as JSON`;

/** @param {Float32Array} data @param {number} width @param {number} height @param {1 | 3} channels */
const png = async (data, width, height, channels) => (await loadSharp())(Buffer.from(data.map((v) => Math.round(255 * Math.min(1, Math.max(0, v))))), { raw: { width, height, channels } }).png().toBuffer();

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('points', argv, { threshold: { type: 'string' }, components: { type: 'string' }, 'n-init': { type: 'string' }, temperature: { type: 'string' }, samples: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  if (!f._[0]) throw new UsageError('points needs an image: gaussface points picture.jpg --out DIR');
  if (!f.out) throw new UsageError('points needs --out DIR');
  const sharp = await loadSharp();
  let decoded;
  try {
    decoded = await sharp(f._[0], { failOn: 'error' }).grayscale().raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new UsageError(`cannot read image ${f._[0]}: ${/** @type {Error} */ (e).message.split('\n')[0]}`);
  }
  const { width, height } = decoded.info;
  const gray = Float32Array.from(decoded.data, (v) => v / 255);
  const points = imageToPoints(gray, width, height, num(f.threshold, 'threshold', { min: 0, max: 1, fallback: 0.15 }));
  const seed = num(f.seed, 'seed', { min: 0, int: true, fallback: 0 });
  const nInit = num(f['n-init'], 'n-init', { min: 1, int: true, fallback: 10 });
  const bar = progress(!f.json);
  const gm = await new GaussianMixture({
    nComponents: num(f.components, 'components', { min: 1, int: true, fallback: 30 }), nInit, randomState: seed, signal: interruptible(), onWarning: () => {},
    onProgress: (p) => bar.update('EM', p.init + 1, nInit, `iteration ${p.iteration} lower bound ${p.lowerBound.toFixed(3)}`),
  }).fit(points);
  bar.done();
  const drawn = await gm.sample(num(f.samples, 'samples', { min: 1, int: true, fallback: 20000 }), { temperature: temperatureOf(f, 0.6), randomState: seed });
  await writeAtomic(join(f.out, 'points.png'), await png(renderPoints(points, width, height), width, height, 3));
  await writeAtomic(join(f.out, 'density.png'), await png(await densityImage(gm, width, height), width, height, 1));
  await writeAtomic(join(f.out, 'samples.png'), await png(renderPoints(drawn.X, width, height, drawn.labels), width, height, 3));
  const score = await gm.score(points);
  report(f.json, { points: points.rows, components: gm.nComponents, score, nIter: gm.nIter, out: f.out }, [`${points.rows} points, ${gm.nComponents} components, mean log-likelihood ${score.toFixed(3)}; wrote ${f.out}/points.png, density.png, samples.png`]);
}
