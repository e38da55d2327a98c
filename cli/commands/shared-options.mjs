// Options that several commands share, and turning them into SDK arguments.
import { num, UsageError } from '../common.mjs';

export const DATA_OPTIONS = {
  data: { type: 'string' },
  size: { type: 'string' },
  crop: { type: 'string' },
  rgb: { type: 'boolean' },
  limit: { type: 'string' },
  seed: { type: 'string' },
};

export const DATA_HELP = `  --data SRC        a folder of images (recursive; sub-folders are labels), 'synthetic[:N]' (built-in faces),
                    or olivetti, lfw, fashion-mnist (downloaded once into $GAUSSFACE_CACHE, sha256-checked)
  --size N          resize every image to N×N (centre crop); required when sizes differ
  --crop F          first keep the central fraction F of each side (e.g. 0.8: the face of a CelebA photo)
  --rgb             keep colour (default: grayscale)
  --limit N         use at most N images
  --seed N          random seed (default 0)`;

export const MODEL_OPTIONS = {
  pca: { type: 'string' },
  components: { type: 'string' },
  candidates: { type: 'string' },
  covariance: { type: 'string' },
  folds: { type: 'string' },
};

export const MODEL_HELP = `  --pca P           PCA size: a fraction of variance (default 0.95) or a number of components
  --components K    mixture size: a number, or 'bic' (default) / 'aic' / 'cv' (5-fold held-out likelihood)
                    to choose among --candidates
  --folds N         folds of --components cv (default 5)
  --candidates LIST sizes to try, e.g. 1,2,4,8,16,32 (default)
  --covariance T    full (default), tied, diag or spherical`;

export function dataArgs(f) {
  return {
    size: num(f.size, 'size', { min: 4, max: 2048, int: true }),
    crop: num(f.crop, 'crop', { min: 0.05, max: 1 }),
    channels: f.rgb ? 3 : 1,
    limit: num(f.limit, 'limit', { min: 2, int: true }),
    seed: num(f.seed, 'seed', { min: 0, int: true, fallback: 0 }),
  };
}

export function modelArgs(f) {
  const comps = f.components ?? 'bic';
  const candidates = f.candidates ? f.candidates.split(',').map((v) => num(v, 'candidates', { min: 1, int: true })) : undefined;
  const covarianceType = f.covariance ?? 'full';
  if (!['full', 'tied', 'diag', 'spherical'].includes(covarianceType)) throw new UsageError(`--covariance must be full, tied, diag or spherical, got '${covarianceType}'`);
  return {
    pcaComponents: num(f.pca, 'pca', { min: 0, fallback: 0.95 }),
    nComponents: ['bic', 'aic', 'cv'].includes(comps) ? comps : num(comps, 'components', { min: 1, int: true }),
    folds: num(f.folds, 'folds', { min: 2, int: true }),
    candidates,
    covarianceType,
  };
}
