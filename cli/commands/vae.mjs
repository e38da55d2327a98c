// @ts-check
// gaussface vae: train a VAE on images (presets or a config file, data-parallel on the workers, held-out early
// stopping), draw from it, reconstruct, morph, add attributes, look at the latent space, evaluate.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasHoldout, holdoutRows, HOLDOUT_RULE, isHeldOut, VAE_PRESETS, latentHistograms, lineChart, Matrix, nearestNeighbours, parseAttributes, Pool, scatter, tsne, VAE } from 'gaussface';
import { checkSheet, flags, gridPng, interruptible, MODEL_FILE_OPTION, modelFile, num, progress, readBytes, report, svgToPng, UsageError, writeAtomic } from '../common.mjs';
import { loadData, loadSplit } from '../data.mjs';
import { HELD_OUT_HELP, HELD_OUT_OPTION, scoredRows } from '../scored-rows.mjs';
import { DATA_HELP, DATA_OPTIONS, dataArgs, temperatureOf } from './shared-options.mjs';

export const summary = 'train a variational autoencoder on images, sample, reconstruct, morph, edit attributes, evaluate';
export const help = `usage: gaussface vae train --data SRC --out VAE.safetensors [options]
       gaussface vae evaluate VAE.safetensors --data SRC [--iwae K] [--out PAIRS.png]
       gaussface vae sample VAE.safetensors [-n N] [--temperature T] --out GRID.png
       gaussface vae reconstruct VAE.safetensors --data SRC --out GRID.png
       gaussface vae latent VAE.safetensors --data SRC --out DIR [--attributes FILE --name A]
                         (statistics, histograms vs N(0,1), t-SNE map coloured by folder label or attribute A)
       gaussface vae morph VAE.safetensors --data SRC --from I --to J [--steps N] [--spherical] --out ROW.png
       gaussface vae attribute VAE.safetensors --data SRC --attributes FILE --name Smiling [--strengths=-2,0,2]
                         [--images I,J | -n N] --out GRID.png   (rows: images without the attribute — held-out
                         ones for a --holdout model, whose training rows give the direction — columns: strengths)
                         [--units sd]  strength 1 = one standard deviation of the training codes along the
                         direction (default: length, strength 1 = a step of length 1 in latent space)
                         [--save]  also store the direction in VAE.safetensors under the name A (the
                         <gaussface-morph> widget's attribute slider); with --save, --out is optional

train:
${DATA_HELP}
  --epochs N        passes over the data (default 10)
  --batch N         minibatch size (default 128)
  --lr X            Adam learning rate (default 1e-3)
  --beta X          weight of the KL term (default 1)
  --preset P        mlp (default: 512-256, z 32), conv64 (64×64 images: conv 32-64-128-256, z 128), conv128
  --config FILE     a JSON architecture instead, e.g. {"encoder":[{"conv":32},{"conv":64},{"dense":256}],"latent":64}
  --latent N        latent dimension (overrides the preset's)
  --likelihood L    bernoulli (the presets', for pixels in [0, 1]) or gaussian (sharper on photos); with it
  --variance X      the Gaussian's pixel variance (default 1; 0.01 = noise σ 0.1)
  --holdout         train on all rows but ${HOLDOUT_RULE} and measure the held-out ELBO after every epoch; with it:
  --patience N      stop when the held-out ELBO has not improved for N epochs, keep the best (default 5)
  --workers N       training replicas (default: one per core; results are reproducible for a given N)
  --resume FILE     continue training a saved model (same data format)
  --plot FILE       the training curves (loss, held-out −ELBO per epoch) as .svg or .png
  --out FILE        the model file (written after every epoch: an interrupted run keeps its last epoch)
sample / reconstruct:
  -n, --count N     images (default 16)      --temperature T   prior scale in (0, 10] (default 1)
  --images I,J      reconstruct these rows (default: the first N — held-out ones for a --holdout model)
  --out FILE        grid PNG (every grid: --scale N pixels per image pixel, default 2)
evaluate (rows ${HOLDOUT_RULE} of SRC are the held-out images, as with --holdout):
${HELD_OUT_HELP}
  --iwae K          importance samples for the log-likelihood bound (default 64)
  --samples N       generated images for the memorisation check (default 200)
  --out FILE        generated images (odd columns) next to their nearest training image
  --json            print the result as JSON
Every command that reads a VAE takes it as its first argument (or --model VAE.safetensors). Missing folders
of --out and --plot are created.`;

/** --scale: pixels per image pixel in the PNG grids (default 2). */
const scaleOf = (f) => num(f.scale, 'scale', { min: 1, max: 8, int: true, fallback: 2 });

/** The VAE in a file; a missing, truncated or foreign file is a one-line user error. */
export async function readVae(/** @type {string} */ path) {
  return VAE.fromBytes(await readBytes(path));
}

/** The training curves of a VAE (loss, and held-out −ELBO with its best epoch marked) as SVG. */
export function trainingChart(/** @type {VAE} */ vae) {
  const epochs = (v) => ({ x: v.map((_, i) => i + 1), y: v });
  const val = vae.validationHistory;
  const best = val.indexOf(Math.min(...val));
  return lineChart([{ name: 'training loss', ...epochs(vae.history) }, ...(val.length ? [{ name: 'held-out −ELBO', ...epochs(val), highlight: best }] : [])], { title: 'VAE training', xLabel: 'epoch', yLabel: 'nats per image' });
}

const specOf = (/** @type {VAE} */ vae) => {
  const [width, height, channels] = ['width', 'height', 'channels'].map((k) => Number(vae.info[`image.${k}`]));
  if (!(width * height * channels === vae.inputSize)) throw new UsageError('this VAE file has no image format; train it with gaussface vae train');
  return { width, height, channels: /** @type {1 | 3} */ (channels) };
};

/** @param {string[]} argv */
export async function run(argv) {
  const [sub, ...rest] = argv;
  if (!sub) throw new UsageError(`vae needs a sub-command\n\n${help}`);
  if (sub === '--help' || sub === '-h') return void console.log(help);
  const signal = interruptible();
  if (sub === 'train') return train(rest, signal);
  if (sub === 'evaluate') return evaluateVae(rest, signal);
  if (sub === 'sample' || sub === 'reconstruct') {
    const f = flags(`vae ${sub}`, rest, { ...DATA_OPTIONS, ...MODEL_FILE_OPTION, count: { type: 'string', short: 'n' }, temperature: { type: 'string' }, images: { type: 'string' }, scale: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
    if (f.help) return void console.log(help);
    const file = modelFile(f, `vae ${sub}`);
    if (!file) throw new UsageError(`vae ${sub} needs a model file`);
    if (!f.out) throw new UsageError(`vae ${sub} needs --out GRID.png`);
    const vae = await readVae(file);
    const spec = specOf(vae);
    const n = num(f.count, 'count', { min: 1, max: 10000, int: true, fallback: 16 });
    let images;
    let shown;
    if (sub === 'sample') {
      checkSheet(n, { ...spec, cols: 8, scale: scaleOf(f) }, 'count', 'draw fewer or use a smaller --scale');
      images = (await vae.sample(n, { temperature: temperatureOf(f, 1), randomState: dataArgs(f).seed })).X;
    } else {
      if (!f.data) throw new UsageError('vae reconstruct needs --data SRC');
      // A --holdout model is shown faces it has not seen (its held-out rows), unless --images picks rows.
      const held = hasHoldout(vae.info);
      const picked = f.images?.split(',').map((x) => num(x, 'images', { min: 0, int: true }));
      const data = await loadData(f.data, { ...dataArgs(f), limit: picked ? Math.max(...picked) + 1 : held ? 5 * n : n, signal });
      const rows = picked ?? Array.from({ length: data.X.rows }, (_, i) => i).filter((i) => !held || isHeldOut(i)).slice(0, n);
      if (rows.some((i) => i >= data.X.rows)) throw new UsageError(`--images: ${f.data} has ${data.X.rows} images`);
      const X = new Matrix(rows.length, data.X.cols, new Float32Array(rows.length * data.X.cols));
      rows.forEach((i, r) => X.data.set(data.X.row(i), r * X.cols));
      const rec = await vae.reconstruct(X);
      images = rows.flatMap((_, r) => [X.row(r), rec.row(r)]);
      shown = rows;
    }
    await writeAtomic(f.out, await gridPng(images, { ...spec, cols: 8, scale: scaleOf(f) }));
    return void report(f.json, { out: f.out, count: n, ...(shown && { rows: shown }) }, [`wrote ${f.out}${shown ? ` (images ${shown.join(', ')} and their reconstructions)` : ''}`]);
  }
  if (sub === 'latent') {
    const f = flags('vae latent', rest, { ...DATA_OPTIONS, ...MODEL_FILE_OPTION, perplexity: { type: 'string' }, attributes: { type: 'string' }, name: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
    if (f.help) return void console.log(help);
    const file = modelFile(f, 'vae latent');
    if (!file || !f.data || !f.out) throw new UsageError('vae latent needs a model file, --data SRC and --out DIR');
    const vae = await readVae(file);
    const data = await loadData(f.data, { ...dataArgs(f), limit: dataArgs(f).limit ?? 2000, signal });
    const stats = await vae.latentStats(data.X);
    const { mu } = await vae.encode(data.X);
    await writeAtomic(join(f.out, 'latent-histograms.svg'), latentHistograms(mu));
    const map = await tsne(mu, { perplexity: num(f.perplexity, 'perplexity', { min: 2, fallback: Math.min(30, Math.floor((mu.rows - 1) / 3)) }), randomState: dataArgs(f).seed });
    const colour = f.attributes ? { labels: attributeLabels(f, data).map((l) => (l > 0 ? 1 : 0)), labelNames: [`not ${f.name}`, String(f.name)] } : { labels: data.labels, labelNames: data.labelNames };
    await writeAtomic(join(f.out, 'tsne.svg'), scatter(map, { ...colour, title: 't-SNE of the latent means' }));
    const out = { out: f.out, images: mu.rows, activeUnits: stats.active.filter(Boolean).length, klPerDimension: Array.from(stats.kl), variance: Array.from(stats.variance) };
    return void report(f.json, out, [`${mu.rows} images: ${out.activeUnits} of ${vae.latent} latent units active; wrote ${f.out}/latent-histograms.svg and tsne.svg`]);
  }
  if (sub === 'morph' || sub === 'attribute') {
    const f = flags(`vae ${sub}`, rest, { ...DATA_OPTIONS, ...MODEL_FILE_OPTION, from: { type: 'string' }, to: { type: 'string' }, steps: { type: 'string' }, spherical: { type: 'boolean' }, attributes: { type: 'string' }, name: { type: 'string' }, strengths: { type: 'string' }, images: { type: 'string' }, count: { type: 'string', short: 'n' }, scale: { type: 'string' }, out: { type: 'string' }, save: { type: 'boolean' }, units: { type: 'string' } }, { positionals: 1 });
    if (f.help) return void console.log(help);
    if (f.save && sub !== 'attribute') throw new UsageError('--save goes with vae attribute (it stores the attribute direction in the model file)');
    const file = modelFile(f, `vae ${sub}`);
    if (!file || !f.data || !(f.out || f.save)) throw new UsageError(`vae ${sub} needs a model file, --data SRC and --out FILE${sub === 'attribute' ? ' (or --save)' : ''}`);
    const out = /** @type {string} */ (f.out); // only attribute --save goes without, and returns before writing
    const vae = await readVae(file);
    const spec = specOf(vae);
    const data = await loadData(f.data, { ...dataArgs(f), signal });
    if (sub === 'morph') {
      const [a, b] = [num(f.from, 'from', { min: 0, max: data.X.rows - 1, int: true, fallback: 0 }), num(f.to, 'to', { min: 0, max: data.X.rows - 1, int: true, fallback: 1 })];
      const steps = num(f.steps, 'steps', { min: 2, max: 64, int: true, fallback: 8 });
      const row = await vae.interpolate(data.X.row(a), data.X.row(b), steps, { spherical: !!f.spherical });
      await writeAtomic(out, await gridPng(row, { ...spec, cols: steps, scale: scaleOf(f) }));
      return void report(f.json, { out: f.out, from: a, to: b, steps }, [`morphed image ${a} into image ${b} in ${steps} steps; wrote ${f.out}`]);
    }
    const labels = attributeLabels(f, data);
    // A model trained with --holdout: the direction comes from its training rows and is shown on held-out faces.
    const held = (/** @type {number} */ i) => hasHoldout(vae.info) && isHeldOut(i);
    const rows = Array.from({ length: data.X.rows }, (_, i) => i);
    const fit = rows.filter((i) => !held(i));
    if (f.units !== undefined && !['sd', 'length'].includes(f.units)) throw new UsageError(`--units must be sd (standard deviations of the codes along the direction) or length (the default), got '${f.units}'`);
    const v = await vae.attributeVector(fit.length < rows.length ? holdoutRows(data.X) : data.X, fit.map((i) => labels[i]), { scale: f.units === 'sd' ? 'spread' : 'unit' });
    if (f.save) {
      vae.setAttribute(/** @type {string} */ (f.name), v);
      await writeAtomic(file, vae.toBytes());
      if (!f.out) return void report(f.json, { saved: file, attribute: f.name, attributes: [...vae.attributes.keys()] }, [`stored the '${f.name}' direction in ${file} (attributes: ${[...vae.attributes.keys()].join(', ')})`]);
    }
    const strengths = (f.strengths ?? '-2,-1,0,1,2').split(',').map((x) => num(x, 'strengths'));
    const n = num(f.count, 'count', { min: 1, int: true, fallback: 4 });
    const picks = f.images
      ? f.images.split(',').map((x) => num(x, 'images', { min: 0, max: data.X.rows - 1, int: true }))
      : rows.filter((i) => labels[i] <= 0 && (held(i) || fit.length === rows.length)).slice(0, n);
    const grid = [];
    for (const i of picks) for (const t of strengths) grid.push((await vae.applyAttribute([Array.from(data.X.row(i))], v, t)).row(0));
    await writeAtomic(out, await gridPng(grid, { ...spec, cols: strengths.length, scale: scaleOf(f) }));
    return void report(f.json, { out, attribute: f.name, strengths, units: f.units ?? 'length', length: Math.hypot(...v), images: picks.length, ...(f.save && { saved: file }) }, [`added '${f.name}' at strengths ${strengths.join(', ')} to ${picks.length} images; wrote ${out}${f.save ? ` and stored the direction in ${file}` : ''}`]);
  }
  throw new UsageError(`unknown vae command '${sub}' (train, evaluate, sample, reconstruct, latent, morph, attribute; see gaussface vae --help)`);
}

/** A new model from --preset / --config (or the resumed one), for images of `spec`. */
async function buildVae(f, spec, seed) {
  if (f.resume) return readVae(f.resume);
  const latent = f.latent === undefined ? undefined : num(f.latent, 'latent', { min: 1, int: true });
  if (f.likelihood !== undefined && !['bernoulli', 'gaussian'].includes(f.likelihood)) throw new UsageError(`--likelihood must be bernoulli or gaussian, got '${f.likelihood}'`);
  const overrides = { latent, likelihood: f.likelihood, variance: f.variance === undefined ? undefined : num(f.variance, 'variance', { min: 1e-6 }) };
  if (f.config) {
    let config;
    try {
      config = JSON.parse(readFileSync(f.config, 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read --config ${f.config}: ${/** @type {Error} */ (e).message}`);
    }
    return VAE.create({ config: { ...config, input: spec }, ...overrides, randomState: seed });
  }
  const preset = /** @type {import('gaussface').VaePreset} */ (f.preset ?? 'mlp');
  if (!VAE_PRESETS.includes(preset)) throw new UsageError(`--preset must be one of ${VAE_PRESETS.join(', ')}, got '${preset}'`);
  return VAE.create({ preset, input: spec, ...overrides, randomState: seed });
}

async function train(argv, signal) {
  const f = flags('vae train', argv, {
    ...DATA_OPTIONS, epochs: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, beta: { type: 'string' }, preset: { type: 'string' }, config: { type: 'string' },
    latent: { type: 'string' }, likelihood: { type: 'string' }, variance: { type: 'string' }, holdout: { type: 'boolean' }, patience: { type: 'string' }, workers: { type: 'string' }, resume: { type: 'string' }, plot: { type: 'string' },
    out: { type: 'string' },
  });
  if (f.help) return void console.log(help);
  if (!f.data) throw new UsageError('vae train needs --data SRC');
  if (!f.out) throw new UsageError('vae train needs --out VAE.safetensors');
  const bar = progress(!f.json);
  // With --holdout each part is decoded into its own matrix (no full set kept next to copies of its parts).
  const load = { ...dataArgs(f), signal, onProgress: (i, n) => bar.update('images', i, n) };
  const split = f.holdout ? await loadSplit(f.data, load) : undefined;
  const data = split ? { X: split.train, spec: split.spec } : await loadData(f.data, load);
  const [X, validation] = [data.X, split?.held];
  bar.done();
  const { width, height, channels } = data.spec;
  const vae = await buildVae(f, { channels, height, width }, dataArgs(f).seed);
  if (vae.inputSize !== X.cols) throw new UsageError(`the resumed model expects ${vae.inputSize} pixels per image, the data has ${X.cols}; use the same --size and colour setting`);
  vae.info = { ...vae.info, 'image.width': String(width), 'image.height': String(height), 'image.channels': String(channels), data: f.data, holdout: f.holdout ? HOLDOUT_RULE : 'none' };
  const workers = num(f.workers, 'workers', { min: 1, max: 256, int: true, fallback: 0 });
  const pool = workers ? await Pool.create({ workers }) : undefined;
  try {
    const r = await vae.fit(X, {
      epochs: num(f.epochs, 'epochs', { min: 1, int: true, fallback: 10 }), batchSize: num(f.batch, 'batch', { min: 1, int: true, fallback: 128 }),
      lr: num(f.lr, 'lr', { min: 0, fallback: 1e-3 }), beta: num(f.beta, 'beta', { min: 0, fallback: 1 }),
      validation, patience: num(f.patience, 'patience', { min: 1, int: true, fallback: 5 }), pool, signal,
      onProgress: (p) => bar.update(`epoch ${p.epoch}`, p.step, p.steps, `loss ${p.loss.toFixed(2)}`),
      checkpoint: async (bytes, { epoch: e }) => {
        bar.done();
        if (f.holdout && !f.json) process.stderr.write(`epoch ${e}: held-out −ELBO ${vae.validationHistory.at(-1)?.toFixed(2)}\n`);
        await writeAtomic(/** @type {string} */ (f.out), bytes); // a checkpoint per epoch: an interrupted run keeps its last epoch
      },
    });
    if (r.bestEpoch !== undefined) await writeAtomic(f.out, vae.toBytes()); // the best epoch's weights
    if (f.plot) await writeAtomic(f.plot, f.plot.endsWith('.png') ? await svgToPng(trainingChart(vae)) : trainingChart(vae));
    const before = vae.history.length - r.loss.length; // epochs of a resumed model trained before this run
    const held = r.bestEpoch !== undefined ? `, held-out −ELBO ${r.validation[r.bestEpoch - 1].toFixed(2)} at epoch ${before + r.bestEpoch}${r.stoppedEarly ? ' (stopped early)' : ''}` : '';
    report(f.json, { out: f.out, epochs: vae.history.length, loss: vae.history, validation: vae.validationHistory, bestEpoch: r.bestEpoch, stoppedEarly: r.stoppedEarly }, [
      `trained ${r.loss.length} epochs (${vae.history.length} in all; loss ${r.loss[r.loss.length - 1].toFixed(2)} nats per image${held}); wrote ${f.out}`,
    ]);
  } finally {
    bar.done();
    pool?.close();
  }
}

async function evaluateVae(argv, signal) {
  const f = flags('vae evaluate', argv, { ...DATA_OPTIONS, ...MODEL_FILE_OPTION, ...HELD_OUT_OPTION, iwae: { type: 'string' }, samples: { type: 'string' }, scale: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
  if (f.help) return void console.log(help);
  const file = modelFile(f, 'vae evaluate');
  if (!file || !f.data) throw new UsageError('vae evaluate needs a model file and --data SRC');
  const vae = await readVae(file);
  const spec = specOf(vae);
  const { train, held, scored } = await scoredRows(file, vae.info, { ...f, data: f.data }, { ...dataArgs(f), signal });
  if (train.cols !== vae.inputSize || held.cols !== vae.inputSize) throw new UsageError(`the model expects ${vae.inputSize} pixels per image, the data has ${train.cols === vae.inputSize ? held.cols : train.cols}; use the same --size and colour setting`);
  if (!held.rows || !train.rows) throw new UsageError('vae evaluate needs training and held-out images (with a --holdout model: at least 5 images, every 5th is held out)');
  const k = num(f.iwae, 'iwae', { min: 1, max: 10000, int: true, fallback: 64 });
  const samples = (await vae.sample(num(f.samples, 'samples', { min: 1, max: 100000, int: true, fallback: 200 }), { randomState: dataArgs(f).seed })).X;
  const [s, h] = [await nearestNeighbours(samples, train, { signal }), await nearestNeighbours(held, train, { signal })];
  const median = (d) => Float64Array.from(d).sort()[d.length >> 1];
  const out = {
    trainNegativeElbo: await vae.elbo(train), heldOutNegativeElbo: await vae.elbo(held), heldOutIwae: await vae.iwae(held, k), iwaeSamples: k,
    medianSampleToTrain: median(s.distance), medianHeldOutToTrain: median(h.distance), scored,
  };
  if (f.out) {
    const pairs = [];
    for (let i = 0; i < Math.min(16, samples.rows); i++) pairs.push(samples.row(i), train.row(s.index[i]));
    await writeAtomic(f.out, await gridPng(pairs, { ...spec, cols: 8, scale: scaleOf(f) }));
  }
  report(f.json, out, [
    `negative ELBO (nats per image): train ${out.trainNegativeElbo.toFixed(2)}, held-out ${out.heldOutNegativeElbo.toFixed(2)}`,
    `held-out log-likelihood ≥ ${out.heldOutIwae.toFixed(2)} nats per image (IWAE bound, ${k} samples)`,
    `nearest training image (pixel distance): median ${out.medianSampleToTrain.toFixed(3)} for generated images, ${out.medianHeldOutToTrain.toFixed(3)} for held-out images`,
  ]);
}

/** The --name column of the --attributes file (CelebA list_attr format) for every image of the data, by file name. */
function attributeLabels(f, data) {
  if (!f.attributes || !f.name) throw new UsageError('--attributes FILE (CelebA list_attr format) and --name ATTRIBUTE go together');
  let table;
  try {
    table = parseAttributes(readFileSync(f.attributes, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read attributes file ${f.attributes}: ${/** @type {Error} */ (e).message}`);
  }
  const col = table.names.indexOf(f.name);
  if (col < 0) throw new UsageError(`attribute '${f.name}' is not in ${f.attributes} (it has ${table.names.slice(0, 6).join(', ')}, …)`);
  const byFile = new Map(table.files.map((name, i) => [name, table.values.get(i, col)]));
  const labels = (data.files ?? []).map((file) => byFile.get(file.split(/[\\/]/).pop()));
  if (labels.length !== data.X.rows || labels.some((l) => l === undefined)) throw new UsageError(`some images of --data have no row in ${f.attributes}`);
  return labels;
}
