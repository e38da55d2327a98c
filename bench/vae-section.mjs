// W5 / W6: VAE training throughput against PyTorch and TF.js's WASM backend (one thread each, same run),
// and gaussface with all workers.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { idxImages, Matrix, Pool, VAE } from '../dist/index.js';
import { loadImageFolder } from '../dist/node.js';
import { tfjsW5 } from './tfjs.mjs';

const SHARED = '../shared/datasets';

/** Images/s of `timed` rows of training (one epoch) after `warm` rows, with the given number of workers. */
async function throughput(create, X, { warm, timed, batchSize, workers }) {
  const pool = await Pool.create({ workers });
  try {
    const vae = await create();
    const rows = (n) => new Matrix(n, X.cols, X.data.subarray(0, n * X.cols));
    await vae.fit(rows(warm), { batchSize, pool });
    const t0 = performance.now();
    await vae.fit(rows(timed), { batchSize, pool });
    return timed / ((performance.now() - t0) / 1000);
  } finally {
    pool.close();
  }
}

function anchor(python, args) {
  try {
    return python.ok ? python.run(args) : null;
  } catch {
    process.stderr.write(`bench: PyTorch (Debian python3-torch) is not installed or failed: ${args[0]} is reported without it\n`);
    return null;
  }
}

const f0 = (x) => (x == null ? '—' : x.toFixed(0));
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '—');

async function w5({ quick, python }) {
  const file = `${SHARED}/fashion_mnist/train-images-idx3-ubyte.gz`;
  if (!existsSync(file)) return `### W5: MLP VAE, Fashion-MNIST\n\nSkipped: ${file} is absent.\n`;
  const X = idxImages(gunzipSync(readFileSync(file)));
  const rows = quick ? 128 * 100 : X.rows;
  const create = () => VAE.create({ preset: 'mlp', input: { channels: 1, height: 28, width: 28 }, randomState: 0 });
  const opts = { warm: 1280, timed: rows, batchSize: 128 }; // 10 warm-up steps, then one epoch
  const one = await throughput(create, X, { ...opts, workers: 1 });
  const two = await throughput(create, X, { ...opts, workers: 2 });
  const torch = anchor(python, ['w5', '--threads', '1']);
  const tfjs = tfjsW5({ fashionDir: `${SHARED}/fashion_mnist`, steps: quick ? 20 : 100, reps: quick ? 1 : 3 });
  if (tfjs.reason) process.stderr.write(`bench: TF.js anchor unavailable: ${tfjs.reason}\n`);
  return `### W5: MLP VAE, Fashion-MNIST

784-512-256-z32, BCE + KL, Adam, batch 128; images/s over one epoch${quick ? ' (first 12,800 images)' : ''} after 10 warm-up steps.

| | images/s | gaussface 1 worker ÷ it |
|---|---|---|
| gaussface \`VAE\` preset mlp, 1 worker (in the calling thread) | **${f0(one)}** | |
| gaussface, 2 workers (data-parallel) | **${f0(two)}** | ×${ratio(two, one)} over 1 worker |
| PyTorch ${torch?.torch ?? ''} CPU, 1 thread (same run) | ${f0(torch?.images_per_s)} | **${ratio(one, torch?.images_per_s)}** |
| TF.js ${tfjs.version ?? ''} WASM backend${tfjs.simd ? ' (SIMD)' : ''}, 1 thread (the anchors' script, same run${quick ? ', 20 steps' : ', median of 3 × 100 steps'}) | ${tfjs.reason ? `— (${tfjs.reason})` : f0(tfjs.imagesPerS)} | **${ratio(one, tfjs.imagesPerS)}** |

Quality, measured by hand with the same recipe (Fashion-MNIST 60k, lr 1e-3, seed 0): test negative ELBO after
epochs 1 / 2 / 5 / 10 = 262.0 / 251.7 / 245.2 / 242.6 nats, PyTorch's 261.2 / 252.3 / 246.4 / 242.8.
`;
}

async function w6({ python }) {
  const folder = `${SHARED}/lfw`;
  if (!existsSync(folder)) return `### W6: convolutional VAE, LFW 64×64\n\nSkipped: ${folder} is absent.\n`;
  // The anchors' LFW training rows (i % 5 != 4, Pillow-exact gray 64×64): the first 1,600 files give ≥ 1,280 of them.
  const { X: all } = await loadImageFolder(folder, { size: 64, channels: 1, limit: 1600, recursive: false });
  const keep = Array.from({ length: all.rows }, (_, i) => i).filter((i) => i % 5 !== 4);
  const X = new Matrix(keep.length, all.cols, Float32Array.from({ length: keep.length * all.cols }, (_, j) => all.data[keep[Math.floor(j / all.cols)] * all.cols + (j % all.cols)]));
  const create = () => VAE.create({ preset: 'conv64', input: { channels: 1, height: 64, width: 64 }, randomState: 0 });
  const opts = { warm: 3 * 64, timed: 20 * 64, batchSize: 64 }; // the anchors' 3 warm-up and 20 timed steps
  const one = await throughput(create, X, { ...opts, workers: 1 });
  const two = await throughput(create, X, { ...opts, workers: 2 });
  const torch = anchor(python, ['w6', '--threads', '1']);
  return `### W6: convolutional VAE, LFW 64×64

Conv 1→32→64→128→256 (k4 s2 p1, ReLU) → z 128 → mirrored transposed convolutions, BCE + KL, Adam, batch 64;
images/s over 20 steps after 3 warm-up steps.

| | images/s | gaussface 1 worker ÷ it |
|---|---|---|
| gaussface \`VAE\` preset conv64, 1 worker (in the calling thread) | **${f0(one)}** | |
| gaussface, 2 workers (data-parallel) | **${f0(two)}** | ×${ratio(two, one)} over 1 worker |
| PyTorch ${torch?.torch ?? ''} CPU, 1 thread (same run) | ${f0(torch?.images_per_s)} | **${ratio(one, torch?.images_per_s)}** |
`;
}

export async function run(ctx) {
  return `## Variational autoencoders (W5, W6)

One worker trains in the calling thread; with two, each worker takes half of every minibatch and the gradients
are summed through shared memory (a fixed order: reproducible for a given worker count).

${await w5(ctx)}
${await w6(ctx)}`;
}
