// Initial responsibilities for EM, scikit-learn's four init_params.
import { GaussfaceError } from '../errors.js';
import { KMeans, kmeansPlusPlus } from '../kmeans.js';
import type { RandomState } from '../legacy-random.js';
import type { Dataset, Pool } from '../pool.js';

export type InitParams = 'kmeans' | 'k-means++' | 'random' | 'random_from_data';

/**
 * n × K responsibilities (float32) to start EM from, drawn from `rng` exactly as scikit-learn's
 * _initialize_parameters draws from its RandomState (K-Means and k-means++ continue the same stream).
 */
export async function initialResponsibilities(method: InitParams, pool: Pool, ds: Dataset, K: number, rng: RandomState, signal?: AbortSignal): Promise<Float32Array> {
  const n = ds.rows;
  const resp = new Float32Array(n * K);
  const oneHotRows = (rows: ArrayLike<number>) => {
    for (let k = 0; k < K; k++) resp[rows[k] * K + k] = 1;
  };
  const rowsInMemory = () => {
    if (!(ds.source instanceof Float32Array))
      throw new GaussfaceError(`initParams '${method}' needs the rows in memory; for streamed data use 'random_from_data' or 'random', or give meansInit`, 'EINPUT');
    return { data: ds.source, shape: [n, ds.cols] as [number, number] };
  };
  switch (method) {
    case 'kmeans': {
      const km = await new KMeans({ nClusters: K, nInit: 1, randomState: rng, pool, signal }).fit(rowsInMemory());
      km.labels.forEach((label, i) => (resp[i * K + label] = 1));
      break;
    }
    case 'k-means++':
      oneHotRows((await kmeansPlusPlus(rowsInMemory(), K, { randomState: rng, pool, signal })).indices);
      break;
    case 'random_from_data':
      oneHotRows(rng.choice(n, K));
      break;
    case 'random': {
      const u = rng.uniform(n * K);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += u[i * K + k];
        for (let k = 0; k < K; k++) resp[i * K + k] = u[i * K + k] / s;
      }
      break;
    }
  }
  return resp;
}
