// gaussface vae: train the fully connected VAE on images and draw from it (train, sample, reconstruct).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { latentHistograms, MlpVae, parseAttributes, scatter, tsne } from '../../dist/index.js';
import { flags, gridPng, interruptible, num, progress, report, UsageError, writeAtomic } from '../common.mjs';
import { loadData } from '../data.mjs';
import { DATA_HELP, DATA_OPTIONS, dataArgs } from './shared-options.mjs';

export const summary = 'train a variational autoencoder on images, sample from it, reconstruct';
export const help = `usage: gaussface vae train --data SRC --out VAE.safetensors [options]
       gaussface vae sample VAE.safetensors [-n N] [--temperature T] --out GRID.png
       gaussface vae reconstruct VAE.safetensors --data SRC --out GRID.png
       gaussface vae latent VAE.safetensors --data SRC --out DIR   (statistics, histograms vs N(0,1), t-SNE map)
       gaussface vae morph VAE.safetensors --data SRC --from I --to J [--steps N] [--spherical] --out ROW.png
       gaussface vae attribute VAE.safetensors --data SRC --attributes FILE --name Smiling [--strengths=-2,0,2] --out GRID.png

train:
${DATA_HELP}
  --epochs N        passes over the data (default 10)
  --batch N         minibatch size (default 128)
  --lr X            Adam learning rate (default 1e-3)
  --beta X          weight of the KL term (default 1)
  --latent N        latent dimension (default 32)
  --hidden LIST     encoder widths, mirrored by the decoder (default 512,256)
  --resume FILE     continue training a saved model (same data format)
  --out FILE        the model file (written after every epoch: an interrupted run keeps its last epoch)
sample / reconstruct:
  -n, --count N     images (default 16)      --temperature T   prior scale (default 1)
  --out FILE        grid PNG
  --json            print the result as JSON`;

function readVae(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new UsageError(`cannot read model file ${path} (no such file?)`);
  }
  return MlpVae.fromBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

const specOf = (vae) => {
  const [width, height, channels] = ['width', 'height', 'channels'].map((k) => Number(vae.info[`image.${k}`]));
  if (!(width * height * channels === vae.inputSize)) throw new UsageError('this VAE file has no image format; train it with gaussface vae train');
  return { width, height, channels };
};

export async function run(argv) {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') return void console.log(help);
  const signal = interruptible();
  if (sub === 'train') {
    const f = flags('vae train', rest, { ...DATA_OPTIONS, epochs: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, beta: { type: 'string' }, latent: { type: 'string' }, hidden: { type: 'string' }, resume: { type: 'string' }, out: { type: 'string' } });
    if (f.help) return void console.log(help);
    if (!f.data) throw new UsageError('vae train needs --data SRC');
    if (!f.out) throw new UsageError('vae train needs --out VAE.safetensors');
    const bar = progress(!f.json);
    const data = await loadData(f.data, { ...dataArgs(f), signal, onProgress: (i, n) => bar.update('images', i, n) });
    bar.done();
    const D = data.X.cols;
    const vae = f.resume
      ? await readVae(f.resume)
      : await MlpVae.create({ inputSize: D, latent: num(f.latent, 'latent', { min: 1, int: true, fallback: 32 }), hidden: f.hidden?.split(',').map((v) => num(v, 'hidden', { min: 1, int: true })), randomState: dataArgs(f).seed });
    if (vae.inputSize !== D) throw new UsageError(`the resumed model expects ${vae.inputSize} pixels per image, the data has ${D}; use the same --size and colour setting`);
    vae.info = { ...vae.info, 'image.width': String(data.spec.width), 'image.height': String(data.spec.height), 'image.channels': String(data.spec.channels), data: f.data };
    const epochs = num(f.epochs, 'epochs', { min: 1, int: true, fallback: 10 });
    const opts = { batchSize: num(f.batch, 'batch', { min: 1, int: true, fallback: 128 }), lr: num(f.lr, 'lr', { min: 0, fallback: 1e-3 }), beta: num(f.beta, 'beta', { min: 0, fallback: 1 }), signal };
    for (let e = 0; e < epochs; e++) {
      await vae.fit(data.X, { ...opts, epochs: 1, onProgress: (p) => bar.update(`epoch ${e + 1}`, p.step, p.steps, `loss ${p.loss.toFixed(2)}`) });
      bar.done();
      await writeAtomic(f.out, vae.toBytes()); // a checkpoint per epoch
    }
    return void report(f.json, { out: f.out, epochs: vae.history.length, loss: vae.history }, [`trained ${epochs} epochs (loss ${vae.history.at(-1).toFixed(2)} nats per image); wrote ${f.out}`]);
  }
  if (sub === 'sample' || sub === 'reconstruct') {
    const f = flags(`vae ${sub}`, rest, { ...DATA_OPTIONS, count: { type: 'string', short: 'n' }, temperature: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
    if (f.help) return void console.log(help);
    if (!f._[0]) throw new UsageError(`vae ${sub} needs a model file`);
    if (!f.out) throw new UsageError(`vae ${sub} needs --out GRID.png`);
    const vae = await readVae(f._[0]);
    const spec = specOf(vae);
    const n = num(f.count, 'count', { min: 1, max: 10000, int: true, fallback: 16 });
    let images;
    if (sub === 'sample') images = (await vae.sample(n, { temperature: num(f.temperature, 'temperature', { min: 0, fallback: 1 }), randomState: dataArgs(f).seed })).X;
    else {
      if (!f.data) throw new UsageError('vae reconstruct needs --data SRC');
      const data = await loadData(f.data, { ...dataArgs(f), limit: n, signal });
      const rec = await vae.reconstruct(data.X);
      images = Array.from({ length: data.X.rows }, (_, i) => [data.X.row(i), rec.row(i)]).flat();
    }
    await writeAtomic(f.out, await gridPng(images, { ...spec, cols: 8 }));
    return void report(f.json, { out: f.out, count: n }, [`wrote ${f.out}`]);
  }
  if (sub === 'latent') {
    const f = flags('vae latent', rest, { ...DATA_OPTIONS, perplexity: { type: 'string' }, out: { type: 'string' } }, { positionals: 1 });
    if (f.help) return void console.log(help);
    if (!f._[0] || !f.data || !f.out) throw new UsageError('vae latent needs a model file, --data SRC and --out DIR');
    const vae = await readVae(f._[0]);
    const data = await loadData(f.data, { ...dataArgs(f), limit: dataArgs(f).limit ?? 2000, signal });
    const stats = await vae.latentStats(data.X);
    const { mu } = await vae.encode(data.X);
    await writeAtomic(join(f.out, 'latent-histograms.svg'), latentHistograms(mu));
    const map = await tsne(mu, { perplexity: num(f.perplexity, 'perplexity', { min: 2, fallback: Math.min(30, Math.floor((mu.rows - 1) / 3)) }), randomState: dataArgs(f).seed });
    await writeAtomic(join(f.out, 'tsne.svg'), scatter(map, { labels: data.labels, labelNames: data.labelNames, title: 't-SNE of the latent means' }));
    const out = { out: f.out, images: mu.rows, activeUnits: stats.active.filter(Boolean).length, klPerDimension: Array.from(stats.kl), variance: Array.from(stats.variance) };
    return void report(f.json, out, [`${mu.rows} images: ${out.activeUnits} of ${vae.latent} latent units active; wrote ${f.out}/latent-histograms.svg and tsne.svg`]);
  }
  if (sub === 'morph' || sub === 'attribute') {
    const f = flags(`vae ${sub}`, rest, { ...DATA_OPTIONS, from: { type: 'string' }, to: { type: 'string' }, steps: { type: 'string' }, spherical: { type: 'boolean' }, attributes: { type: 'string' }, name: { type: 'string' }, strengths: { type: 'string' }, count: { type: 'string', short: 'n' }, out: { type: 'string' } }, { positionals: 1 });
    if (f.help) return void console.log(help);
    if (!f._[0] || !f.data || !f.out) throw new UsageError(`vae ${sub} needs a model file, --data SRC and --out FILE`);
    const vae = await readVae(f._[0]);
    const spec = specOf(vae);
    const data = await loadData(f.data, { ...dataArgs(f), signal });
    if (sub === 'morph') {
      const [a, b] = [num(f.from, 'from', { min: 0, max: data.X.rows - 1, int: true, fallback: 0 }), num(f.to, 'to', { min: 0, max: data.X.rows - 1, int: true, fallback: 1 })];
      const steps = num(f.steps, 'steps', { min: 2, max: 64, int: true, fallback: 8 });
      const row = await vae.interpolate(data.X.row(a), data.X.row(b), steps, { spherical: !!f.spherical });
      await writeAtomic(f.out, await gridPng(row, { ...spec, cols: steps }));
      return void report(f.json, { out: f.out, from: a, to: b, steps }, [`morphed image ${a} into image ${b} in ${steps} steps; wrote ${f.out}`]);
    }
    if (!f.attributes || !f.name) throw new UsageError('vae attribute needs --attributes FILE (CelebA list_attr format) and --name ATTRIBUTE');
    let table;
    try {
      table = parseAttributes(readFileSync(f.attributes, 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read attributes file ${f.attributes}: ${e.message}`);
    }
    const col = table.names.indexOf(f.name);
    if (col < 0) throw new UsageError(`attribute '${f.name}' is not in ${f.attributes} (it has ${table.names.slice(0, 6).join(', ')}, …)`);
    const byFile = new Map(table.files.map((name, i) => [name, table.values.get(i, col)]));
    const labels = data.files.map((file) => byFile.get(file.split(/[\\/]/).pop()));
    if (labels.some((l) => l === undefined)) throw new UsageError(`some images of --data have no row in ${f.attributes}`);
    const v = await vae.attributeVector(data.X, labels);
    const strengths = (f.strengths ?? '-2,-1,0,1,2').split(',').map((x) => num(x, 'strengths'));
    const n = num(f.count, 'count', { min: 1, int: true, fallback: 4 });
    const picks = Array.from({ length: data.X.rows }, (_, i) => i).filter((i) => !labels[i]).slice(0, n);
    const grid = [];
    for (const i of picks) for (const t of strengths) grid.push((await vae.applyAttribute([Array.from(data.X.row(i))], v, t)).row(0));
    await writeAtomic(f.out, await gridPng(grid, { ...spec, cols: strengths.length }));
    return void report(f.json, { out: f.out, attribute: f.name, strengths, images: picks.length }, [`added '${f.name}' at strengths ${strengths.join(', ')} to ${picks.length} images; wrote ${f.out}`]);
  }
  throw new UsageError(`unknown vae command '${sub}' (train, sample, reconstruct, latent, morph, attribute; see gaussface vae --help)`);
}
