// Initial responsibilities for EM, scikit-learn's four init_params.
import { GaussfaceError } from '../errors.js';
import { KMeans, kmeansPlusPlus } from '../kmeans.js';
import { localEngine } from '../local.js';
import type { Dataset, Pool } from '../pool.js';
import type { Random } from '../random.js';

export type InitParams = 'kmeans' | 'k-means++' | 'random' | 'random_from_data';

/** n × K responsibilities (float32) to start EM from. */
export async function initialResponsibilities(method: InitParams, pool: Pool, ds: Dataset, K: number, rng: Random, signal?: AbortSignal): Promise<Float32Array> {
  const engine = await localEngine();
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
      const km = await new KMeans({ nClusters: K, nInit: 1, randomState: rng.integer(engine, 2 ** 31), pool, signal }).fit(rowsInMemory());
      km.labels.forEach((label, i) => (resp[i * K + label] = 1));
      break;
    }
    case 'k-means++':
      oneHotRows((await kmeansPlusPlus(rowsInMemory(), K, { randomState: rng.integer(engine, 2 ** 31), pool })).indices);
      break;
    case 'random_from_data':
      oneHotRows(rng.choice(engine, n, K));
      break;
    case 'random': {
      const u = rng.uniform(engine, n * K);
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
