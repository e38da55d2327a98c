// W5: the fully connected VAE's training throughput against PyTorch (one thread each, same run) and the
// recorded TF.js WASM figure.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { idxImages, MlpVae } from '../dist/index.js';

const SHARED = '../shared/datasets/fashion_mnist';
/** TF.js 4.22 WASM backend, W5, one thread: the anchors' RESULTS (not re-measured here: no network for its install). */
const TFJS_WASM_RECORDED = 445;

export async function run({ quick, python }) {
  if (!existsSync(SHARED)) return `## Variational autoencoder (W5)\n\nSkipped: ${SHARED} is absent.\n`;
  const X = idxImages(gunzipSync(readFileSync(`${SHARED}/train-images-idx3-ubyte.gz`)));
  const rows = quick ? 128 * 100 : X.rows;
  const vae = await MlpVae.create({ inputSize: 784, hidden: [512, 256], latent: 32, randomState: 0 });
  await vae.fit({ data: X.data.subarray(0, 1280 * 784), shape: [1280, 784] }, { epochs: 1, batchSize: 128 }); // 10 warm-up steps
  const t0 = performance.now();
  await vae.fit({ data: X.data.subarray(0, rows * 784), shape: [rows, 784] }, { epochs: 1, batchSize: 128 });
  const ours = rows / ((performance.now() - t0) / 1000);
  let torch = null;
  try {
    torch = python.ok ? python.run(['w5', '--threads', '1']) : null;
  } catch {
    process.stderr.write('bench: PyTorch (Debian python3-torch) is not installed: W5 is reported without it\n');
  }
  const f = (x) => (x === undefined ? '—' : x.toFixed(0));
  return `## Variational autoencoder (W5)

Training throughput of the fully connected VAE (784-512-256-z32, BCE + KL, Adam, batch 128), images/s over one
epoch${quick ? ' (first 12,800 images)' : ''} after 10 warm-up steps, one thread each.

| | images/s | gaussface ÷ it |
|---|---|---|
| gaussface \`MlpVae\`, 1 thread | **${f(ours)}** | |
| PyTorch ${torch?.torch ?? ''} CPU, 1 thread (same run) | ${f(torch?.images_per_s)} | **${torch ? (ours / torch.images_per_s).toFixed(2) : '—'}** |
| TF.js WASM backend, 1 thread (recorded by the anchors, not re-run) | ${TFJS_WASM_RECORDED} | ${(ours / TFJS_WASM_RECORDED).toFixed(1)} |

Quality, measured by hand with the same recipe (Fashion-MNIST 60k, lr 1e-3, seed 0): test negative ELBO after
epochs 1 / 2 / 5 / 10 = 262.0 / 251.7 / 245.2 / 242.6 nats, PyTorch's 261.2 / 252.3 / 246.4 / 242.8.
`;
}
