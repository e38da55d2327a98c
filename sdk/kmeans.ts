// KMeans: scikit-learn 1.2's estimator with Lloyd's algorithm, and its greedy k-means++ seeding, fitted in the
// worker pool. The rows stay resident as given and, centred on their column means, as "prepared" chunks (with
// labels, Hamerly's distance bounds and running cluster sums) whose f32 GEMM gives the distances; the centres live
// in the rows' own coordinates, in f64, and where the GEMM cannot order two centres the rows as given decide
// exactly. Each Lloyd iteration is one pass that computes distances only for the rows whose bounds allow a change,
// and returns per-chunk cluster sums reduced in chunk order, so a seeded fit gives the same bits with any number of
// workers. Small data stays in one worker, where the whole fit runs as one program (no message per step).
import { STREAM_ADVICE, type Engine } from './engine.js';
import { GaussfaceError } from './errors.js';
import { exclusive } from './exclusive.js';
import { kmeansMoves } from './local-maths.js';
import { localEngine } from './local.js';
import { asMatrix, Matrix, type MatrixLike } from './matrix.js';
import { columnMeans, sumParts, uploadForFit } from './fitdata.js';
import { RandomState, randomStateOf, type RandomStateSnapshot } from './legacy-random.js';
import { getPool, program, type Dataset, type Pool, type Program, type ProgramContext } from './pool.js';
import { Random } from './random.js';
import { preparedCols, preparedRow, type FarPart, type LloydPart } from './tasks/kmeans.js';
import { tasks } from './tasks/index.js';

/** What `onProgress` receives after every Lloyd iteration. */
export interface KMeansProgress {
  /** Which of the nInit runs (0-based). */
  init: number;
  /** Iteration number (1-based). */
  iteration: number;
  /** Samples whose distances were computed (the others were settled by Hamerly's bounds). */
  computed: number;
  /** Σ‖Δcentre‖² of this iteration's update. */
  centerShift: number;
  /** Samples whose label changed. */
  changed: number;
}

/** Options of `new KMeans(...)`; defaults are scikit-learn's except nInit. */
export interface KMeansOptions {
  /** Number of clusters (default 8). */
  nClusters?: number;
  /** 'k-means++' (default, greedy, like scikit-learn), 'random' (nClusters distinct rows) or the initial
   * centres (nClusters × n_features). */
  init?: 'k-means++' | 'random' | MatrixLike;
  /** Initialisations; the lowest inertia is kept (default 1, scikit-learn 1.4's 'auto' for k-means++; 1 when
   * init is an array). */
  nInit?: number;
  /** Lloyd iterations per initialisation (default 300). */
  maxIter?: number;
  /** Relative tolerance: stop when Σ‖Δcentre‖² ≤ tol·mean(column variances of X) (default 1e-4). */
  tol?: number;
  /** Seed of the initialisation (default: random): the seeding draws numpy's RandomState(seed) as scikit-learn
   * does, so a seed picks the same initial centres there and here; an instance continues its stream. */
  randomState?: number | RandomState;
  /** Worker pool (default: the shared pool). */
  pool?: Pool;
  /** Cancels a call (rejects with code EABORT). */
  signal?: AbortSignal;
  /** Called after every Lloyd iteration. */
  onProgress?: (p: KMeansProgress) => void;
  /** Called with a message when fewer distinct clusters than nClusters were found (default: console.warn). */
  onWarning?: (message: string) => void;
}

/** Rows to cluster, resident in the pool as given and as prepared chunks (centred on `mean`). */
interface Prepared {
  pool: Pool;
  /** The rows as given (exact distances, cluster sums). */
  raw: Dataset;
  /** Prepared chunks (see tasks/kmeans.ts), for the distance GEMM and the bounds. */
  P: Dataset;
  d: number;
  K: number;
  weights?: Dataset;
  mean: Float64Array;
  /** Σ ‖x − mean‖² (for the tolerance). */
  ssq: number;
  /** Centred row i as f32, exactly as the workers hold it. */
  row(i: number): Float32Array;
  /** Row i as given. */
  given(i: number): Float32Array;
  release(): Promise<void>;
}

const bytesPerChunkStats = (K: number, d: number) => K * (d + 1) * 8;

/**
 * Work of one Lloyd step (n·d·K multiply-adds) below which the data stays in one worker: ~2 ms of distance GEMM,
 * which two workers would split in less time than the two messages per step cost (measured: LFW's 5237 × 100,
 * K = 50, one worker 76 ms against two 80–124 ms per fit; the k-means++ steps are smaller still).
 */
const ONE_WORKER_WORK = 2 ** 25;

/** What to do when K-Means runs out of engine memory: the engine's advice to stream rows does not apply to it. */
const KMEANS_ADVICE =
  'K-Means keeps its rows resident in the workers (next to their per-row bounds and labels) and cannot stream ' +
  'them, and its centre-to-centre distances take nClusters² values: use fewer clusters, reduce the dimension ' +
  'first (PCA), spread the rows over more workers (Pool.create({ workers })), or fit on a subsample and label ' +
  'the rest with predict() in batches of rows.';

/** An ENOMEM error with K-Means' advice in place of the engine's; any other error unchanged. */
function withKMeansAdvice(err: unknown): unknown {
  if (!(err instanceof GaussfaceError) || err.code !== 'ENOMEM' || !err.message.includes(STREAM_ADVICE)) return err;
  return new GaussfaceError(err.message.replace(STREAM_ADVICE, KMEANS_ADVICE), 'ENOMEM');
}

/** Uploads X (and weights), computes the column means (unless given) and prepares the chunks. */
async function prepare(pool: Pool, X: Matrix<Float32Array>, K: number, sampleWeight: Float32Array | undefined, mean: Float64Array | undefined, signal?: AbortSignal): Promise<Prepared> {
  const [n, d] = [X.rows, X.cols];
  const raw = await uploadForFit(pool, X.data, n, d, bytesPerChunkStats(K, d), signal, n * d * K <= ONE_WORKER_WORK);
  const held: Dataset[] = [raw];
  const release = async () => {
    for (const ds of held) await pool.release(ds);
  };
  try {
    const weights = sampleWeight ? await pool.upload(sampleWeight, n, 1, { like: raw, signal }) : undefined;
    if (weights) held.push(weights);
    const m = mean ?? (await columnMeans(pool, raw, signal));
    const P = pool.derive(raw, preparedCols(raw.chunkRows, d, K));
    held.push(P);
    const ssq = (await pool.map(tasks.kmeans.prepare, raw, { mean: m, K, into: P.id }, { signal, into: P })).reduce((a, b) => a + b, 0);
    const row = (i: number) => Float32Array.from(X.row(i), (v, j) => v - m[j]);
    return { pool, raw, P, d, K, weights, mean: m, ssq, row, given: (i) => X.row(i), release };
  } catch (err) {
    await release();
    throw withKMeansAdvice(err);
  }
}

function checkedWeights(sampleWeight: ArrayLike<number> | undefined, n: number): Float32Array | undefined {
  if (!sampleWeight) return undefined;
  const w = Float32Array.from(sampleWeight);
  if (w.length !== n) throw new GaussfaceError(`sampleWeight has ${w.length} values but X has ${n} rows`, 'ESHAPE');
  if (w.some((v) => !(v >= 0 && Number.isFinite(v)))) throw new GaussfaceError('sampleWeight must be finite and ≥ 0', 'EINPUT');
  if (!w.some((v) => v > 0)) throw new GaussfaceError('sampleWeight sums to 0: give some samples a positive weight', 'EINPUT');
  return w;
}

/**
 * Greedy k-means++ (scikit-learn's _kmeans_plusplus, with 1.3's sample weights): 2 + ⌊ln k⌋ candidates per
 * centre drawn by searchsorted on the cumulative potential, the one that lowers the potential most kept.
 * Returns the indices of the chosen rows. Two passes per centre: commit + locate, then candidate distances.
 */
async function plusPlus(data: Prepared, K: number, rng: RandomState, sampleWeight: Float32Array | undefined, signal?: AbortSignal): Promise<Int32Array> {
  const { pool, P, d } = data;
  const n = P.rows;
  const trials = 2 + Math.floor(Math.log(K));
  const wId = data.weights?.id;
  const state = pool.derive(P, 1 + trials);
  const indices = new Int32Array(K);
  try {
    indices[0] = sampleWeight ? weightedDraw(sampleWeight, rng.nextDouble()) : rng.randint(n);
    const distances = async (cand: ArrayLike<number>, first: boolean) => {
      const rows = new Float32Array(cand.length * d);
      Array.from(cand).forEach((c, j) => rows.set(data.row(c), j * d));
      const params = { rows, L: cand.length, d, K: data.K, state: state.id, width: 1 + trials, first, wId };
      return pool.map(tasks.kmeans.ppDist, P, params, { signal, into: state });
    };
    // Per-chunk potentials of the committed candidate; `best` is its column in the state's candidate block.
    let chunkPot = (await distances([indices[0]], true)).map((p) => p[0]);
    let best = 0;
    let L = 1;
    for (let c = 1; c < K; c++) {
      const total = chunkPot.reduce((a, b) => a + b, 0);
      const draws = rng.uniform(trials).map((u) => u * total);
      const candidates = await locate(pool, P, chunkPot, draws, { state: state.id, L, best, wId }, signal);
      const parts = await distances(candidates, false);
      const pots = sumParts(parts);
      best = 0;
      for (let j = 1; j < trials; j++) if (pots[j] < pots[best]) best = j;
      chunkPot = parts.map((p) => p[best]);
      L = trials;
      indices[c] = candidates[best];
    }
  } finally {
    await pool.release(state);
  }
  return indices;
}

/** Index of the first row whose cumulative weight reaches u·Σw (numpy's choice with p = w / Σw). */
function weightedDraw(w: Float32Array, u: number): number {
  const target = u * w.reduce((a, b) => a + b, 0);
  let s = 0;
  for (let i = 0; i < w.length; i++) if ((s += w[i]) > target) return i;
  return w.length - 1;
}

/**
 * searchsorted of the draws in the cumulative potential, which is two-level: chunk totals in chunk order, then
 * row sums within the chunk. One pass commits the last chosen candidate and finds the rows.
 */
async function locate(pool: Pool, P: Dataset, chunkPot: number[], draws: Float64Array, commit: { state: number; L: number; best: number; wId?: number }, signal?: AbortSignal): Promise<Int32Array> {
  const byChunk = new Map<number, { t: number; target: number }[]>();
  for (let t = 0; t < draws.length; t++) {
    let before = 0;
    let c = 0;
    while (c < chunkPot.length - 1 && !(before + chunkPot[c] >= draws[t])) before += chunkPot[c++];
    if (!byChunk.has(c)) byChunk.set(c, []);
    byChunk.get(c)!.push({ t, target: draws[t] - before });
  }
  const targets: Record<number, Float64Array> = {};
  for (const [c, list] of byChunk) {
    list.sort((a, b) => a.target - b.target || a.t - b.t);
    targets[c] = Float64Array.from(list, (x) => x.target);
  }
  const found = await pool.map(tasks.kmeans.ppSearch, P, { ...commit, targets }, { signal });
  const out = new Int32Array(draws.length);
  for (const [c, list] of byChunk) list.forEach((x, i) => (out[x.t] = found[c][i]));
  return out;
}

interface LloydResult {
  /** K × d f64, the rows' coordinates. */
  centres: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
}

interface LloydSettings {
  maxIter: number;
  /** Absolute tolerance on Σ‖Δcentre‖². */
  tol: number;
  init: number;
  signal?: AbortSignal;
  onProgress?: (p: KMeansProgress) => void;
}

/**
 * scikit-learn's _kmeans_single_lloyd: assign + update until the labels stop changing (strict convergence) or the
 * centres move less than tol; after a tol stop the labels are recomputed for the final centres. The assignment
 * skips the rows that Hamerly's bounds, or else Elkan's per-centre bounds, settle: the same labels with far fewer
 * distances.
 */
async function lloyd(data: Prepared, engine: Engine, start: Float64Array, s: LloydSettings): Promise<LloydResult> {
  const { pool, P, d, K } = data;
  const wId = data.weights?.id;
  let centres = start;
  let previous: Float64Array | undefined;
  let strict = false;
  let it = 0;
  const drift = new Float64Array(K);
  for (; it < s.maxIter; it++) {
    const now = centred(data, centres);
    const step = moves(engine, previous ?? now, now, K, d);
    previous = now;
    step.delta.forEach((v, k) => (drift[k] += v));
    const params = { ...centresParams(data, centres, now), wId, fresh: it === 0, drift, ...step };
    const parts = await pool.map(tasks.kmeans.lloyd, P, params, { signal: s.signal });
    const sums = sumParts(parts.map((p) => p.sums));
    const counts = sumParts(parts.map((p) => p.counts));
    const changed = parts.reduce((a, p) => a + p.changed, 0);
    await relocateEmpty(data, centres, sums, counts, s.signal);
    const next = new Float64Array(K * d);
    let shift = 0;
    for (let k = 0; k < K; k++) {
      const alpha = counts[k] > 0 ? 1 / counts[k] : 1;
      for (let j = 0; j < d; j++) {
        const v = sums[k * d + j] * alpha;
        next[k * d + j] = v;
        shift += (v - centres[k * d + j]) ** 2;
      }
    }
    centres = next;
    s.onProgress?.({ init: s.init, iteration: it + 1, centerShift: shift, changed, computed: parts.reduce((a, p) => a + p.computed, 0) });
    if (changed === 0) {
      strict = true;
      break;
    }
    if (shift <= s.tol) break;
  }
  const nIter = Math.min(it + 1, s.maxIter);
  const parts = await pool.map(
    tasks.kmeans.finish, P, { ...centresParams(data, centres), wId, relabel: !strict }, { signal: s.signal });
  const labels = new Int32Array(P.rows);
  parts.forEach((p, i) => labels.set(p.labels, P.chunkRange(i)[0]));
  return { centres, labels, inertia: parts.reduce((a, p) => a + p.inertia, 0), nIter };
}

/** Centres (K × d, the rows' coordinates) moved to the prepared rows' centred ones. */
function centred(data: Prepared, centres: Float64Array): Float64Array {
  const { mean, d } = data;
  const out = new Float64Array(centres.length);
  for (let i = 0; i < out.length; i += d) for (let j = 0; j < d; j++) out[i + j] = centres[i + j] - mean[j];
  return out;
}

/** What the tasks need of centres given in the rows' coordinates (see CentresParams); `now`: their centred copy. */
function centresParams(data: Prepared, centres: Float64Array, now = centred(data, centres)) {
  return { centres: Float32Array.from(now), exact: centres, raw: data.raw.id, K: data.K, d: data.d };
}

/**
 * What Hamerly's bounds need about a centre update (the engine's kmeans_moves: each centre's move, half the
 * distance to its nearest other centre and the error of its f32 copy, with safety margins), plus the two largest
 * moves and the index of the largest.
 */
function moves(engine: Engine, previous: Float64Array, centres: Float64Array, K: number, d: number) {
  const { delta, s, cerr } = kmeansMoves(engine, previous, centres, K, d);
  let [dmax1, dmax2, amax] = [0, 0, 0];
  for (let k = 0; k < K; k++) {
    if (delta[k] > dmax1) [dmax2, dmax1, amax] = [dmax1, delta[k], k];
    else if (delta[k] > dmax2) dmax2 = delta[k];
  }
  return { delta, dmax1, dmax2, amax, s, cerr };
}

/**
 * scikit-learn's _relocate_empty_clusters_dense: each empty cluster takes one of the points farthest from their
 * centre (largest first, ties → lower row), moved out of its old cluster's sums.
 */
async function relocateEmpty(data: Prepared, centres: Float64Array, sums: Float64Array, counts: Float64Array, signal?: AbortSignal): Promise<void> {
  const { d, K } = data;
  const empty: number[] = [];
  counts.forEach((c, k) => c === 0 && empty.push(k));
  if (!empty.length) return;
  const parts = await data.pool.map(tasks.kmeans.farthest, data.P, { m: empty.length, d, K, exact: centres, raw: data.raw.id, wId: data.weights?.id }, { signal });
  const far = parts.flatMap((p) => p.index.map((index, r) => ({ index, dist: p.dist[r], label: p.label[r], weight: p.weight[r], row: p.rows.subarray(r * d, (r + 1) * d) })));
  far.sort((a, b) => b.dist - a.dist || a.index - b.index);
  if (!far.length || far[0].dist === 0) return; // more clusters than distinct points: nothing to gain
  empty.forEach((k, i) => {
    const f = far[i];
    for (let j = 0; j < d; j++) {
      sums[f.label * d + j] -= f.row[j] * f.weight;
      sums[k * d + j] = f.row[j] * f.weight;
    }
    counts[k] = f.weight;
    counts[f.label] -= f.weight;
  });
}

/** What a fit's runs need besides the data. */
interface RunsSpec {
  /** The seeding, or the starting centres (the rows' coordinates, K × d). */
  init: 'k-means++' | 'random' | Float64Array;
  nInit: number;
  maxIter: number;
  /** Absolute tolerance on Σ‖Δcentre‖². */
  tol: number;
  sampleWeight?: Float32Array;
}

/** nInit runs of seeding + Lloyd from one random stream; the run of lowest inertia is kept. */
async function bestOfRuns(data: Prepared, engine: Engine, rng: RandomState, spec: RunsSpec, signal?: AbortSignal, onProgress?: (p: KMeansProgress) => void): Promise<LloydResult> {
  const { K, d } = data;
  let best: LloydResult | undefined;
  for (let run = 0; run < spec.nInit; run++) {
    let start: Float64Array;
    if (spec.init instanceof Float64Array) start = spec.init;
    else {
      const rows = spec.init === 'random' ? rng.choice(data.P.rows, K) : await plusPlus(data, K, rng, spec.sampleWeight, signal);
      start = new Float64Array(K * d);
      rows.forEach((r, k) => start.set(data.given(r), k * d));
    }
    const r = await lloyd(data, engine, start, { maxIter: spec.maxIter, tol: spec.tol, init: run, signal, onProgress });
    if (!best || r.inertia < best.inertia) best = r;
  }
  return best!;
}

/** What a k-means++ seeding needs besides the data. */
interface SeedSpec {
  K: number;
  sampleWeight?: Float32Array;
}

/** What a program receives: the spec, the prepared data's figures and the caller's random state. */
interface ProgramParams<S> {
  spec: S;
  d: number;
  K: number;
  mean: Float64Array;
  ssq: number;
  rng: RandomStateSnapshot;
}

/**
 * Runs `here` in this thread against the pool, or — when the data is held by one worker — the same algorithm as
 * one program in that worker; the caller's random stream continues where the program's stopped.
 */
async function runWhere<S, R>(data: Prepared, rng: RandomState, prog: Program<{ result: R; rng: RandomStateSnapshot }>, spec: S, signal: AbortSignal | undefined, onProgress: ((p: KMeansProgress) => void) | undefined, here: () => Promise<R>): Promise<R> {
  if (data.P.workers !== 1) return here();
  const { P, raw, weights, d, K, mean, ssq } = data;
  const params: ProgramParams<S> = { spec, d, K, mean, ssq, rng: rng.getState() };
  const out = await data.pool.solo(prog, weights ? [P, raw, weights] : [P, raw], params, { signal, onProgress });
  rng.setState(out.rng);
  return out.result;
}

/** A K-Means program: `body` runs against the executor's prepared chunks as it would against the pool. */
function kmeansProgram<S, R>(name: string, body: (data: Prepared, engine: Engine, rng: RandomState, spec: S, progress?: (p: KMeansProgress) => void) => Promise<R>) {
  return program(name, async ({ pool, datasets: [P, raw, weights], executor }: ProgramContext, p: ProgramParams<S>, progress) => {
    const chunk = (id: number, i: number) => executor.chunk(id, Math.floor(i / P.chunkRows));
    const row = (i: number) => preparedRow(executor.engine, chunk(P.id, i), i, p.d, p.K);
    const given = (i: number) => executor.rowOf(chunk(raw.id, i), i);
    const data: Prepared = { pool, raw, P, d: p.d, K: p.K, weights, mean: p.mean, ssq: p.ssq, row, given, release: async () => {} };
    const rng = new RandomState(0).setState(p.rng);
    // The parameter maths runs on the thread's portable engine, as in the calling thread, whatever the pool's build.
    const result = await body(data, await localEngine(), rng, p.spec, progress);
    return { result, rng: rng.getState() };
  });
}

const fitProgram = kmeansProgram('kmeans.fit', (data, engine, rng, spec: RunsSpec, progress) => bestOfRuns(data, engine, rng, spec, undefined, progress));
const seedProgram = kmeansProgram('kmeans.seed', (data, _engine, rng, spec: SeedSpec) => plusPlus(data, spec.K, rng, spec.sampleWeight));

/** The K-Means programs the workers run (see programs.ts). */
export const kmeansPrograms = { [fitProgram.name]: fitProgram, [seedProgram.name]: seedProgram };

const bad = (what: string) => new GaussfaceError(`KMeans: ${what}`, 'EINPUT');

interface Fitted {
  /** nClusters × d, data coordinates. */
  centres: Float64Array;
  d: number;
  /** Column means of the training data: new data is centred on them, like the training data. */
  mean: Float64Array;
}

/**
 * K-Means clustering by Lloyd's algorithm with scikit-learn's semantics (greedy k-means++ seeding, tol relative to
 * the data variance, strict-convergence stop, empty-cluster relocation), fitted in the worker pool.
 *
 * ```js
 * import { KMeans, shutdown } from 'gaussface';
 * const km = await new KMeans({ nClusters: 2, randomState: 0 }).fit([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]]);
 * console.log(km.labels, km.clusterCenters.toArray(), await km.predict([[0, 0], [12, 3]]));
 * await shutdown();
 * ```
 */
export class KMeans {
  readonly nClusters: number;
  readonly nInit: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly options: KMeansOptions;
  private fitted_: Fitted | undefined;
  /** Labels of the training samples. */
  labels: Int32Array = new Int32Array(0);
  /** Σ of squared distances of the training samples to their centre (weighted). */
  inertia = NaN;
  /** Lloyd iterations of the best initialisation. */
  nIter = 0;
  /** Warnings raised by the last fit. */
  warnings: string[] = [];

  constructor(options: KMeansOptions = {}) {
    this.options = options;
    this.nClusters = options.nClusters ?? 8;
    this.nInit = options.nInit ?? 1;
    this.maxIter = options.maxIter ?? 300;
    this.tol = options.tol ?? 1e-4;
    const init = options.init ?? 'k-means++';
    if (!Number.isInteger(this.nClusters) || this.nClusters < 1) throw bad(`nClusters must be an integer ≥ 1, got ${this.nClusters}`);
    if (!Number.isInteger(this.nInit) || this.nInit < 1) throw bad(`nInit must be an integer ≥ 1, got ${this.nInit}`);
    if (!Number.isInteger(this.maxIter) || this.maxIter < 1) throw bad(`maxIter must be an integer ≥ 1, got ${this.maxIter}`);
    if (!(this.tol >= 0)) throw bad(`tol must be ≥ 0, got ${this.tol}`);
    if (typeof init === 'string' && init !== 'k-means++' && init !== 'random') throw bad(`init must be 'k-means++', 'random' or an array of centres, got '${init}'`);
  }

  private fitted(): Fitted {
    if (!this.fitted_) throw new GaussfaceError('this KMeans is not fitted yet: call fit(X) first', 'EINPUT');
    return this.fitted_;
  }

  /** Cluster centres, nClusters × n_features (float64). */
  get clusterCenters(): Matrix<Float64Array> {
    const f = this.fitted();
    return new Matrix(this.nClusters, f.d, f.centres);
  }

  /**
   * Clusters X (n_samples × n_features), optionally weighting the samples. Resolves to the model itself. One fit
   * at a time per object: another one before it settles rejects with code EBUSY.
   */
  fit(X: MatrixLike, opts: { sampleWeight?: ArrayLike<number> } = {}): Promise<this> {
    return exclusive(this, 'fit', () => this.fitOnce(X, opts));
  }

  private async fitOnce(X: MatrixLike, opts: { sampleWeight?: ArrayLike<number> }): Promise<this> {
    const m = asMatrix(X, 'X', { finite: false });
    const [n, d] = [m.rows, m.cols];
    const K = this.nClusters;
    if (d === 0) throw new GaussfaceError('KMeans: X has no features (0 columns)', 'ESHAPE');
    if (n < K) throw bad(`X has ${n} samples but nClusters is ${K}: need at least as many samples as clusters`);
    const init = this.options.init ?? 'k-means++';
    const given = typeof init === 'string' ? undefined : asMatrix(init, 'init', { cols: d });
    if (given && given.rows !== K) throw new GaussfaceError(`KMeans: init has ${given.rows} rows but nClusters is ${K}`, 'ESHAPE');
    const w = checkedWeights(opts.sampleWeight, n);
    const pool = this.options.pool ?? (await getPool());
    const engine = await localEngine();
    const signal = this.options.signal;
    const rng = randomStateOf(this.options.randomState, Random.entropySeed);
    const data = await prepare(pool, m, K, w, undefined, signal);
    try {
      const spec: RunsSpec = {
        init: given ? Float64Array.from(given.data) : (init as 'k-means++' | 'random'),
        nInit: given ? 1 : this.nInit,
        maxIter: this.maxIter,
        tol: (this.tol * data.ssq) / (n * d),
        sampleWeight: w,
      };
      const best = await runWhere(data, rng, fitProgram, spec, signal, this.options.onProgress, () => bestOfRuns(data, engine, rng, spec, signal, this.options.onProgress));
      this.fitted_ = { centres: best.centres, d, mean: data.mean };
      this.labels = best.labels;
      this.inertia = best.inertia;
      this.nIter = best.nIter;
      this.warnings = [];
      const distinct = new Set(this.labels).size;
      if (distinct < K) {
        const msg = `Number of distinct clusters (${distinct}) found smaller than nClusters (${K}). Possibly due to duplicate points in X.`;
        this.warnings.push(msg);
        (this.options.onWarning ?? ((s: string) => console.warn(`gaussface: ${s}`)))(msg);
      }
    } catch (err) {
      throw withKMeansAdvice(err);
    } finally {
      await data.release();
    }
    return this;
  }

  /** Fits and returns the training labels. */
  async fitPredict(X: MatrixLike, opts: { sampleWeight?: ArrayLike<number> } = {}): Promise<Int32Array> {
    await this.fit(X, opts);
    return this.labels.slice();
  }

  /** Prepares X like the training data (same centring) for the duration of `fn`. */
  private async withData<T>(X: MatrixLike, sampleWeight: ArrayLike<number> | undefined, fn: (data: Prepared, centres: Float64Array) => Promise<T>): Promise<T> {
    const f = this.fitted();
    const m = asMatrix(X, 'X', { cols: f.d, minRows: 1, finite: false });
    const pool = this.options.pool ?? (await getPool());
    const data = await prepare(pool, m, this.nClusters, checkedWeights(sampleWeight, m.rows), f.mean, this.options.signal);
    try {
      return await fn(data, f.centres);
    } catch (err) {
      throw withKMeansAdvice(err);
    } finally {
      await data.release();
    }
  }

  /** Index of the nearest centre for each row of X. */
  async predict(X: MatrixLike): Promise<Int32Array> {
    return (await this.labelsAndInertia(X)).labels;
  }

  /** Opposite of the (weighted) inertia of X with the fitted centres (scikit-learn's score). */
  async score(X: MatrixLike, opts: { sampleWeight?: ArrayLike<number> } = {}): Promise<number> {
    return -(await this.labelsAndInertia(X, opts.sampleWeight)).inertia;
  }

  private labelsAndInertia(X: MatrixLike, sampleWeight?: ArrayLike<number>): Promise<{ labels: Int32Array; inertia: number }> {
    return this.withData(X, sampleWeight, async (data, centres) => {
      const params = { ...centresParams(data, centres), wId: data.weights?.id, relabel: true };
      const parts = await data.pool.map(tasks.kmeans.finish, data.P, params, { signal: this.options.signal });
      const labels = new Int32Array(data.P.rows);
      parts.forEach((p, i) => labels.set(p.labels, data.P.chunkRange(i)[0]));
      return { labels, inertia: parts.reduce((a, p) => a + p.inertia, 0) };
    });
  }

  /** Euclidean distance of each row of X to each centre (n × nClusters). */
  async transform(X: MatrixLike): Promise<Matrix<Float32Array>> {
    return this.withData(X, undefined, async (data, centres) => {
      const K = this.nClusters;
      const parts = await data.pool.map(tasks.kmeans.transform, data.P, centresParams(data, centres), { signal: this.options.signal });
      const out = new Float32Array(data.P.rows * K);
      parts.forEach((p, i) => out.set(p, data.P.chunkRange(i)[0] * K));
      return new Matrix(data.P.rows, K, out);
    });
  }

  /** Fits, then returns the distances of X to the centres. */
  async fitTransform(X: MatrixLike, opts: { sampleWeight?: ArrayLike<number> } = {}): Promise<Matrix<Float32Array>> {
    await this.fit(X, opts);
    return this.transform(X);
  }
}

/** Options of `kmeansPlusPlus`. */
export interface KMeansPlusPlusOptions {
  /** Seed (numpy's RandomState, as scikit-learn's kmeans_plusplus) or a RandomState to continue. */
  randomState?: number | RandomState;
  sampleWeight?: ArrayLike<number>;
  pool?: Pool;
  signal?: AbortSignal;
}

/**
 * Greedy k-means++ seeding (scikit-learn's kmeans_plusplus): nClusters rows of X chosen to be spread out.
 * Returns the centres (nClusters × n_features, float64) and the row indices they came from.
 *
 * ```js
 * import { kmeansPlusPlus, shutdown } from 'gaussface';
 * const { centers, indices } = await kmeansPlusPlus([[0, 0], [0, 1], [9, 9], [9, 8]], 2, { randomState: 0 });
 * await shutdown();
 * ```
 */
export async function kmeansPlusPlus(X: MatrixLike, nClusters: number, opts: KMeansPlusPlusOptions = {}): Promise<{ centers: Matrix<Float64Array>; indices: Int32Array }> {
  const m = asMatrix(X, 'X', { finite: false });
  if (!Number.isInteger(nClusters) || nClusters < 1) throw bad(`nClusters must be an integer ≥ 1, got ${nClusters}`);
  if (m.cols === 0) throw new GaussfaceError('kmeansPlusPlus: X has no features (0 columns)', 'ESHAPE');
  if (m.rows < nClusters) throw bad(`X has ${m.rows} samples but nClusters is ${nClusters}: need at least as many samples as clusters`);
  const w = checkedWeights(opts.sampleWeight, m.rows);
  const pool = opts.pool ?? (await getPool());
  const data = await prepare(pool, m, nClusters, w, undefined, opts.signal);
  try {
    const rng = randomStateOf(opts.randomState, Random.entropySeed);
    const seed: SeedSpec = { K: nClusters, sampleWeight: w };
    const indices = await runWhere(data, rng, seedProgram, seed, opts.signal, undefined, () => plusPlus(data, nClusters, rng, w, opts.signal));
    const centers = new Float64Array(nClusters * m.cols);
    indices.forEach((r, k) => centers.set(m.row(r), k * m.cols));
    return { centers: new Matrix(nClusters, m.cols, centers), indices };
  } finally {
    await data.release();
  }
}
