// @ts-check
// Which images an evaluation scores as training rows and as held-out rows. A model fitted without a hold-out
// split has no held-out rows in its data: scoring its own training images as "held out" would report memory as
// generalisation, so that is refused unless images it never saw are given.
import { hasHoldout, HOLDOUT_RULE, isHeldOut } from 'gaussface';
import { UsageError, warn } from './common.mjs';
import { loadData, loadSplit } from './data.mjs';

export const HELD_OUT_OPTION = { 'held-out': { type: /** @type {const} */ ('string') } };

export const HELD_OUT_HELP = `  --held-out SRC    images the model never saw, scored as the held-out set (instead of rows ${HOLDOUT_RULE} of
                    --data); the way to evaluate a model fitted without --holdout (all of --data is then training)`;

/**
 * The training and held-out rows to score, and a record of them for --json (`scored`).
 * @param {string} file the model file (for messages)
 * @param {Record<string, string | undefined>} info the model's provenance (ImageModel.info, VAE.info)
 * @param {{ data: string, 'held-out'?: string }} f
 * @param {Parameters<typeof loadData>[1]} loadOpts
 */
export async function scoredRows(file, info, f, loadOpts) {
  const split = hasHoldout(info);
  const other = f['held-out'];
  if (!split && !other)
    throw new UsageError(`${file} was fitted without --holdout, so the images of --data may all be training images and a held-out score on them would measure memory, not generalisation: refit with --holdout (rows ${HOLDOUT_RULE} are then held out), or pass images the model never saw with --held-out SRC`);
  // Each part is decoded into its own matrix (no full set kept next to copies of its parts).
  const both = split && !other ? await loadSplit(f.data, loadOpts) : undefined;
  const train = both?.train ?? (await loadData(f.data, { ...loadOpts, rows: split ? (i) => !isHeldOut(i) : undefined })).X;
  if (info.images !== undefined && Number(info.images) !== train.rows)
    warn(`${file} was fitted on ${info.images} images but --data gives ${train.rows} training rows: is it the same data, with the same --size, --limit and colour setting?`);
  const held = both?.held ?? (await loadData(/** @type {string} */ (other), loadOpts)).X;
  const scored = {
    train: { data: f.data, rows: split ? `all but ${HOLDOUT_RULE}` : 'all', count: train.rows },
    heldOut: { data: other ?? f.data, rows: other ? 'all' : HOLDOUT_RULE, count: held.rows },
  };
  return { train, held, scored };
}
