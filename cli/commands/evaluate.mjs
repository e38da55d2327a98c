// @ts-check
// gaussface evaluate: held-out log-likelihood and the memorisation check.
import { evaluate, HOLDOUT_RULE } from 'gaussface';
import { flags, gridPng, interruptible, MODEL_FILE_OPTION, modelFile, num, report, UsageError, writeAtomic } from '../common.mjs';
import { HELD_OUT_HELP, HELD_OUT_OPTION, scoredRows } from '../scored-rows.mjs';
import { readModel } from './sample.mjs';
import { DATA_HELP, DATA_OPTIONS, dataArgs, outHelp } from './shared-options.mjs';

export const summary = 'held-out log-likelihood and a memorisation check of a model';
export const help = `usage: gaussface evaluate MODEL --data SRC [--held-out SRC2] [--out PAIRS.png] [options]

  MODEL             a model file (or --model MODEL) fitted with --holdout on SRC: rows ${HOLDOUT_RULE} of SRC
                    are the held-out images, the others its training images
${DATA_HELP}
${HELD_OUT_HELP}
  --samples N       generated images to check (default 200)
${outHelp('FILE', 'grid of generated images (odd columns) next to their nearest training image')}
  --json            print the result as JSON (with "scored": which rows were scored as training and held out)
A model fitted without --holdout is refused (exit 2) unless --held-out gives images it never saw.`;

/** @param {string[]} argv */
export async function run(argv) {
  const f = flags('evaluate', argv, { ...DATA_OPTIONS, ...MODEL_FILE_OPTION, ...HELD_OUT_OPTION, samples: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  const file = modelFile(f, 'evaluate');
  if (!file) throw new UsageError('evaluate needs a model file: gaussface evaluate MODEL --data SRC');
  if (!f.data) throw new UsageError('evaluate needs --data SRC');
  const model = await readModel(file);
  const { train, held, scored } = await scoredRows(file, model.info, { ...f, data: f.data }, { ...dataArgs(f), signal: interruptible() });
  const r = await evaluate(model, train, held, { nSamples: num(f.samples, 'samples', { min: 1, int: true, fallback: 200 }) });
  if (f.out) {
    const pairs = [];
    const captions = [];
    for (let i = 0; i < Math.min(16, r.samples.rows); i++) {
      pairs.push(r.samples.row(i), train.row(r.nearestTrain[i]));
      captions.push('sample', `nearest ${r.sampleToTrain[i].toFixed(1)}`);
    }
    await writeAtomic(f.out, await gridPng(pairs, { ...model.spec, cols: 8, captions }));
  }
  const out = { heldOutLogLikelihoodPerDim: r.heldOutLogLikelihoodPerDim, trainLogLikelihoodPerDim: r.trainLogLikelihoodPerDim, heldOutLogLikelihoodPerPixel: r.heldOutLogLikelihoodPerPixel, trainLogLikelihoodPerPixel: r.trainLogLikelihoodPerPixel, medianSampleToTrain: r.medianSampleToTrain, medianHeldOutToTrain: r.medianHeldOutToTrain, scored };
  report(f.json, out, [
    `log-likelihood per dimension: train ${out.trainLogLikelihoodPerDim.toFixed(4)} (${scored.train.count} images), held-out ${out.heldOutLogLikelihoodPerDim.toFixed(4)} (${scored.heldOut.count} images: ${scored.heldOut.rows === 'all' ? scored.heldOut.data : `rows ${scored.heldOut.rows}`})`,
    `log-likelihood per pixel (pixel space): train ${out.trainLogLikelihoodPerPixel.toFixed(4)}, held-out ${out.heldOutLogLikelihoodPerPixel.toFixed(4)}`,
    `nearest training image: median distance ${out.medianSampleToTrain.toFixed(3)} for generated images, ${out.medianHeldOutToTrain.toFixed(3)} for held-out images`,
    out.medianSampleToTrain < 0.5 * out.medianHeldOutToTrain ? 'warning: generated images sit much closer to training images than real unseen images do (memorisation)' : 'no sign of memorisation',
  ]);
}
