// @ts-check
// Options that several commands share, and turning them into SDK arguments.
import { COVARIANCE_TYPES } from 'gaussface';
import { num, UsageError } from '../common.mjs';

/** @typedef {import('gaussface').CovarianceType} CovarianceType */

export const DATA_OPTIONS = {
  data: { type: /** @type {const} */ ('string') },
  size: { type: /** @type {const} */ ('string') },
  crop: { type: /** @type {const} */ ('string') },
  rgb: { type: /** @type {const} */ ('boolean') },
  limit: { type: /** @type {const} */ ('string') },
  seed: { type: /** @type {const} */ ('string') },
};

export const DATA_HELP = `  --data SRC        a folder of images (recursive; sub-folders are labels), 'synthetic[:N]' (built-in faces),
                    or olivetti, lfw, fashion-mnist (downloaded once into $GAUSSFACE_CACHE, sha256-checked)
  --size N          resize every image to N×N (centre crop); required when sizes differ
  --crop F          first keep the central fraction F of each side (e.g. 0.8: the face of a CelebA photo)
  --rgb             keep colour (default: grayscale)
  --limit N         use at most N images
  --seed N          random seed (default 0)`;

export const MODEL_OPTIONS = {
  pca: { type: /** @type {const} */ ('string') },
  components: { type: /** @type {const} */ ('string') },
  candidates: { type: /** @type {const} */ ('string') },
  covariance: { type: /** @type {const} */ ('string') },
  folds: { type: /** @type {const} */ ('string') },
};

export const MODEL_HELP = `  --pca P           PCA size: a fraction of variance (default 0.95) or a number of components
  --components K    mixture size: a number, or 'bic' (default) / 'aic' / 'cv' (5-fold held-out likelihood)
                    to choose among --candidates
  --folds N         folds of --components cv (default 5)
  --candidates LIST sizes to try, e.g. 1,2,4,8,16,32 (default)
  --covariance T    ${COVARIANCE_TYPES.join(', ')} (default full)`;

/**
 * The `--out` line of a help text: what is written, and that missing folders are created.
 * @param {string} arg @param {string} what
 */
export const outHelp = (arg, what) => `  ${`--out ${arg}`.padEnd(18)}${what} (missing folders are created)`;

/** @param {{ size?: string, crop?: string, rgb?: boolean, limit?: string, seed?: string }} f */
export function dataArgs(f) {
  return {
    size: num(f.size, 'size', { min: 4, max: 2048, int: true }),
    crop: num(f.crop, 'crop', { min: 0.05, max: 1 }),
    channels: /** @type {1 | 3} */ (f.rgb ? 3 : 1),
    limit: num(f.limit, 'limit', { min: 2, int: true }),
    seed: num(f.seed, 'seed', { min: 0, int: true, fallback: 0 }),
  };
}

/**
 * --temperature: the sampler's covariance scale. Finite, above 0 and at most 10 (√10 times the spread: beyond
 * that, samples are noise, and huge values overflow into infinities deep inside the sampler).
 * @param {{ temperature?: string }} f
 * @param {number} fallback
 */
export const temperatureOf = (f, fallback) => num(f.temperature, 'temperature', { above: 0, max: 10, fallback });

/** @param {{ pca?: string, components?: string, candidates?: string, covariance?: string, folds?: string }} f */
export function modelArgs(f) {
  const comps = f.components ?? 'bic';
  const candidates = f.candidates ? f.candidates.split(',').map((v) => num(v, 'candidates', { min: 1, int: true })) : undefined;
  const covarianceType = /** @type {CovarianceType} */ (f.covariance ?? 'full');
  if (!COVARIANCE_TYPES.includes(covarianceType)) throw new UsageError(`--covariance must be ${COVARIANCE_TYPES.join(', ')}, got '${covarianceType}'`);
  return {
    pcaComponents: num(f.pca, 'pca', { min: 0, fallback: 0.95 }),
    nComponents: comps === 'bic' || comps === 'aic' || comps === 'cv' ? /** @type {'bic' | 'aic' | 'cv'} */ (comps) : num(comps, 'components', { min: 1, int: true }),
    folds: num(f.folds, 'folds', { min: 2, int: true }),
    candidates,
    covarianceType,
  };
}
