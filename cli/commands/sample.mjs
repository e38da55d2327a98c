// gaussface sample: new images from a model file, as a grid PNG (and optionally one PNG per image).
import { ImageModel } from '../../dist/index.js';
import { flags, gridPng, num, readBytes, report, UsageError, writeAtomic } from '../common.mjs';

export const summary = 'draw new images from a model file';
export const help = `usage: gaussface sample MODEL.safetensors [-n N] --out GRID.png [options]

  -n, --count N       number of images (default 16)
  --temperature T     covariance scale: below 1 sharper and less varied (default 1)
  --seed N            random seed (default 0)
  --cols N            images per row of the grid (default 4)
  --out FILE          the grid PNG to write
  --json              print the result as JSON`;

export function readModel(path) {
  return ImageModel.fromBytes(readBytes(path));
}

export async function run(argv) {
  const f = flags('sample', argv, { count: { type: 'string', short: 'n' }, temperature: { type: 'string' }, seed: { type: 'string' }, cols: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  if (!f._[0]) throw new UsageError('sample needs a model file: gaussface sample MODEL.safetensors --out grid.png');
  if (!f.out) throw new UsageError('sample needs --out GRID.png');
  const model = readModel(f._[0]);
  const n = num(f.count, 'count', { min: 1, max: 100000, int: true, fallback: 16 });
  const { images, labels } = await model.sample(n, { temperature: num(f.temperature, 'temperature', { min: 0, fallback: 1 }), randomState: num(f.seed, 'seed', { min: 0, int: true, fallback: 0 }) });
  const cols = num(f.cols, 'cols', { min: 1, int: true, fallback: Math.min(n, 4) });
  await writeAtomic(f.out, await gridPng(images, { ...model.spec, cols }));
  report(f.json, { out: f.out, count: n, components: Array.from(labels) }, [`wrote ${n} images to ${f.out}`]);
}
