// @ts-check
// gaussface score: the log-likelihood of every image of a data set under a model, in pixel space.
import { flags, interruptible, progress, report, UsageError } from '../common.mjs';
import { loadData } from '../data.mjs';
import { readModel } from './sample.mjs';
import { DATA_HELP, DATA_OPTIONS, dataArgs } from './shared-options.mjs';

export const summary = 'log-likelihood of images under a model, in nats per pixel';
export const help = `usage: gaussface score MODEL --data SRC [options]

  MODEL             a model file (gaussface fit)
${DATA_HELP}
  --json            print { logLikelihoodPerPixel, logLikelihoodPerImage, n } as JSON
Every image of SRC is scored (not only a hold-out split). --size and --rgb default to the model's image format;
give --crop as the model was fitted. The density is the mixture's on the PCA scores times probabilistic PCA's
isotropic Gaussian on the discarded directions; pixel values are in [0, 1].`;

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('score', argv, DATA_OPTIONS, { positionals: 1 });
  if (f.help) return void console.log(help);
  if (!f._[0]) throw new UsageError('score needs a model file: gaussface score MODEL.safetensors --data SRC');
  if (!f.data) throw new UsageError('score needs --data SRC (a folder of images, or synthetic)');
  const model = await readModel(f._[0]);
  const { width, height, channels } = model.spec;
  const d = dataArgs(f);
  if (f.rgb === undefined) d.channels = channels;
  if (d.size === undefined && width === height) d.size = width;
  const bar = progress(!f.json);
  const { X } = await loadData(f.data, { ...d, signal: interruptible(), onProgress: (i, n) => bar.update('images', i, n) });
  bar.done();
  if (X.cols !== width * height * channels)
    throw new UsageError(`the images of ${f.data} have ${X.cols} values each but the model was fitted on ${width}×${height}×${channels}; pass --size/--rgb/--crop as for the fit`);
  const s = await model.score(X);
  report(f.json, s, [`log-likelihood ${s.logLikelihoodPerPixel.toFixed(4)} nats per pixel (${s.logLikelihoodPerImage.toFixed(1)} per image) over ${s.n} images`]);
}
