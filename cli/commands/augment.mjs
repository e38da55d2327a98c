// @ts-check
// gaussface augment: a folder of N synthetic images (data augmentation, like the flowers notebook), drawn and
// written a batch at a time so that any N fits in memory.
import { join } from 'node:path';
import { loadSharp } from 'gaussface/node';
import { flags, interruptible, MODEL_FILE_OPTION, modelFile, num, progress, report, UsageError, writeAtomic } from '../common.mjs';
import { fitModelOnly } from './fit.mjs';
import { readModel } from './sample.mjs';
import { DATA_HELP, DATA_OPTIONS, MODEL_HELP, MODEL_OPTIONS, outHelp, temperatureOf } from './shared-options.mjs';

export const summary = 'write N synthetic images to a folder (from a model file, or fitted on --data)';
export const help = `usage: gaussface augment MODEL --out DIR [-n N] [options]
       gaussface augment --data SRC --out DIR [-n N] [options]

  MODEL             a model file from gaussface fit (or --model MODEL; else one is fitted on --data)
${DATA_HELP}
${MODEL_HELP}
  -n, --count N     number of images (default 100, at most 1,000,000)
  --temperature T   covariance scale in (0, 10] (default 1)
${outHelp('DIR', 'the folder to write (synthetic_00000.png, …)')}
  --json            print the result as JSON
An interrupted or failed run says how many images it wrote (they are complete files; the rest are missing).`;

/** Images drawn per batch: memory stays flat for any count (one batch is what was drawn at once before). */
export const BATCH = 256;

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('augment', argv, { ...DATA_OPTIONS, ...MODEL_OPTIONS, ...MODEL_FILE_OPTION, count: { type: 'string', short: 'n' }, temperature: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  const file = modelFile(f, 'augment');
  if (!f.out) throw new UsageError('augment needs --out DIR');
  if (!file && !f.data) throw new UsageError('augment needs a model file (gaussface augment MODEL …) or --data SRC');
  const n = num(f.count, 'count', { min: 1, max: 1e6, int: true, fallback: 100 });
  const temperature = temperatureOf(f, 1);
  const seed = num(f.seed, 'seed', { min: 0, int: true, fallback: 0 });
  const signal = interruptible();
  const model = file ? await readModel(file) : (await fitModelOnly(f, { json: f.json, signal })).model;
  const { width, height, channels } = model.spec;
  const bar = progress(!f.json);
  let written = 0;
  try {
    for (let start = 0; start < n; start += BATCH) {
      // Batch b draws with seed + b·2^32, so a run of ≤ 256 images draws exactly what one call always drew.
      const count = Math.min(BATCH, n - start);
      const { images } = await model.sample(count, { temperature, randomState: seed + (start / BATCH) * 2 ** 32 });
      for (let i = 0; i < count; i++) {
        if (signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'EABORT' });
        const px = Buffer.from(images.row(i).map((v) => Math.round(v * 255)));
        await writeAtomic(join(f.out, `synthetic_${String(start + i).padStart(5, '0')}.png`), await (await loadSharp())(px, { raw: { width, height, channels } }).png().toBuffer());
        bar.update('writing', ++written, n);
      }
    }
  } catch (e) {
    // Say what is on disk: the files written so far are whole images (each written atomically), the rest missing.
    const partial = `augment stopped after writing ${written} of ${n} images to ${f.out}/${written ? ` (synthetic_00000.png to synthetic_${String(written - 1).padStart(5, '0')}.png)` : ''}`;
    if (e instanceof UsageError) throw new UsageError(`${e.message}; ${partial}`, e.code);
    throw Object.assign(/** @type {Error} */ (e), { partial });
  } finally {
    bar.done();
  }
  report(f.json, { out: f.out, count: n }, [`wrote ${n} images to ${f.out}/`]);
}
