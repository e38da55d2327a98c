// gaussface evaluate: held-out log-likelihood and the memorisation check.
import { evaluate } from '../../dist/index.js';
import { flags, gridPng, interruptible, num, report, UsageError, writeAtomic } from '../common.mjs';
import { loadSplit } from '../data.mjs';
import { readModel } from './sample.mjs';
import { DATA_HELP, DATA_OPTIONS, dataArgs } from './shared-options.mjs';

export const summary = 'held-out log-likelihood and a memorisation check of a model';
export const help = `usage: gaussface evaluate MODEL --data SRC [--out PAIRS.png] [options]

  MODEL             a model file fitted on the training rows of SRC
${DATA_HELP}
  --samples N       generated images to check (default 200)
  --out FILE        grid of generated images (odd columns) next to their nearest training image
  --json            print the result as JSON
Rows i with i % 5 == 4 are held out (the split gaussface fit --holdout uses).`;

export async function run(argv) {
  const f = flags('evaluate', argv, { ...DATA_OPTIONS, samples: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  if (!f._[0]) throw new UsageError('evaluate needs a model file');
  if (!f.data) throw new UsageError('evaluate needs --data SRC');
  const model = readModel(f._[0]);
  const { train, held } = await loadSplit(f.data, { ...dataArgs(f), signal: interruptible() });
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
  const out = { heldOutLogLikelihoodPerDim: r.heldOutLogLikelihoodPerDim, trainLogLikelihoodPerDim: r.trainLogLikelihoodPerDim, medianSampleToTrain: r.medianSampleToTrain, medianHeldOutToTrain: r.medianHeldOutToTrain };
  report(f.json, out, [
    `log-likelihood per dimension: train ${out.trainLogLikelihoodPerDim.toFixed(4)}, held-out ${out.heldOutLogLikelihoodPerDim.toFixed(4)}`,
    `nearest training image: median distance ${out.medianSampleToTrain.toFixed(3)} for generated images, ${out.medianHeldOutToTrain.toFixed(3)} for held-out images`,
    out.medianSampleToTrain < 0.5 * out.medianHeldOutToTrain ? 'warning: generated images sit much closer to training images than real unseen images do (memorisation)' : 'no sign of memorisation',
  ]);
}
