// @ts-check
// gaussface sample: new images from a model file, as a grid PNG.
import { ImageModel } from 'gaussface';
import { checkSheet, flags, gridPng, MODEL_FILE_OPTION, modelFile, num, readBytes, report, UsageError, writeAtomic } from '../common.mjs';
import { outHelp, temperatureOf } from './shared-options.mjs';

export const summary = 'draw new images from a model file';
export const help = `usage: gaussface sample MODEL.safetensors [-n N] --out GRID.png [options]

  MODEL             a model file from gaussface fit (or --model MODEL)
  -n, --count N     number of images (default 16; one grid sheet holds a few thousand: for more, one file
                    per image with gaussface augment MODEL -n N --out DIR)
  --temperature T   covariance scale in (0, 10]: below 1 sharper and less varied (default 1)
  --seed N          random seed (default 0)
  --cols N          images per row of the grid (default 4)
${outHelp('FILE', 'the grid PNG to write')}
  --json            print the result as JSON`;

/** The image model in a file; a missing, truncated or foreign file is a one-line user error. */
export async function readModel(/** @type {string} */ path) {
  return ImageModel.fromBytes(await readBytes(path));
}

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('sample', argv, { ...MODEL_FILE_OPTION, count: { type: 'string', short: 'n' }, temperature: { type: 'string' }, seed: { type: 'string' }, cols: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  const file = modelFile(f, 'sample');
  if (!file) throw new UsageError('sample needs a model file: gaussface sample MODEL.safetensors --out grid.png');
  if (!f.out) throw new UsageError('sample needs --out GRID.png');
  const n = num(f.count, 'count', { min: 1, int: true, fallback: 16 });
  const cols = num(f.cols, 'cols', { min: 1, int: true, fallback: Math.min(n, 4) });
  const [temperature, seed] = [temperatureOf(f, 1), num(f.seed, 'seed', { min: 0, int: true, fallback: 0 })];
  const model = await readModel(file);
  checkSheet(n, { ...model.spec, cols }, 'count', `draw fewer, or write one file per image with gaussface augment ${file} -n ${n} --out DIR`);
  const { images, labels } = await model.sample(n, { temperature, randomState: seed });
  await writeAtomic(f.out, await gridPng(images, { ...model.spec, cols }));
  report(f.json, { out: f.out, count: n, components: Array.from(labels) }, [`wrote ${n} images to ${f.out}`]);
}
