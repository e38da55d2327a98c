// gaussface augment: a folder of N synthetic images (data augmentation, like the flowers notebook).
import { join } from 'node:path';
import sharp from 'sharp';
import { flags, interruptible, num, progress, report, UsageError, writeAtomic } from '../common.mjs';
import { fitImages } from './fit.mjs';
import { readModel } from './sample.mjs';
import { DATA_HELP, DATA_OPTIONS, MODEL_HELP, MODEL_OPTIONS } from './shared-options.mjs';

export const summary = 'write N synthetic images to a folder (from --model, or fitted on --data)';
export const help = `usage: gaussface augment (--model MODEL | --data SRC) --out DIR [-n N] [options]

  --model FILE      a model file from gaussface fit (else one is fitted on --data)
${DATA_HELP}
${MODEL_HELP}
  -n, --count N     number of images (default 100)
  --temperature T   covariance scale (default 1)
  --out DIR         the folder to write (synthetic_00000.png, …)
  --json            print the result as JSON`;

export async function run(argv) {
  const f = flags('augment', argv, { ...DATA_OPTIONS, ...MODEL_OPTIONS, model: { type: 'string' }, count: { type: 'string', short: 'n' }, temperature: { type: 'string' }, out: { type: 'string' } });
  if (f.help) return void console.log(help);
  if (!f.out) throw new UsageError('augment needs --out DIR');
  if (!f.model && !f.data) throw new UsageError('augment needs --model MODEL or --data SRC');
  const signal = interruptible();
  const model = f.model ? readModel(f.model) : (await fitImages(f, { json: f.json, signal })).model;
  const n = num(f.count, 'count', { min: 1, max: 1e6, int: true, fallback: 100 });
  const { images } = await model.sample(n, { temperature: num(f.temperature, 'temperature', { min: 0, fallback: 1 }), randomState: num(f.seed, 'seed', { min: 0, int: true, fallback: 0 }) });
  const { width, height, channels } = model.spec;
  const bar = progress(!f.json);
  for (let i = 0; i < n; i++) {
    if (signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'EABORT' });
    const px = Buffer.from(images.row(i).map((v) => Math.round(v * 255)));
    await writeAtomic(join(f.out, `synthetic_${String(i).padStart(5, '0')}.png`), await sharp(px, { raw: { width, height, channels } }).png().toBuffer());
    bar.update('writing', i + 1, n);
  }
  bar.done();
  report(f.json, { out: f.out, count: n }, [`wrote ${n} images to ${f.out}/`]);
}
