// The TensorFlow.js anchor (W5): the anchors' own script `../shared/anchors/js/w5_w6_tfjs.mjs`, run in a scratch
// copy with its pinned packages installed from the npm registry (benchmarking only, never in tests).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median } from './util.mjs';

const ANCHORS_JS = '../shared/anchors/js';
const SCRATCH = path.join(os.tmpdir(), 'gaussface-anchors', 'js');

/** Installs the anchors' JS peers once; returns the scratch folder or a reason it is unavailable. */
function ensureInstalled(fashionDir) {
  if (!existsSync(`${ANCHORS_JS}/w5_w6_tfjs.mjs`)) return { reason: `${ANCHORS_JS} is absent` };
  if (!existsSync(path.join(SCRATCH, 'node_modules', '@tensorflow', 'tfjs-backend-wasm'))) {
    cpSync(ANCHORS_JS, SCRATCH, { recursive: true });
    process.stderr.write('bench: installing the TF.js anchor (npm ci in a scratch copy)…\n');
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: SCRATCH, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) return { reason: 'npm ci of the anchors\' JS packages failed' };
  }
  // The script reads Fashion-MNIST from a fixed system folder; the same bytes are in ../shared/datasets.
  const common = path.join(SCRATCH, 'common.mjs');
  const source = readFileSync(`${ANCHORS_JS}/common.mjs`, 'utf8');
  writeFileSync(common, source.replace("'/usr/share/datasets/fashion-mnist'", JSON.stringify(path.resolve(fashionDir))));
  return { dir: SCRATCH };
}

/**
 * TF.js 4.22 W5 throughput on the WASM backend, one thread: the median images/s of `reps` runs of `steps`
 * steps after 3 warm-up steps (the anchors' settings). Returns { imagesPerS, version } or { reason }.
 */
export function tfjsW5({ fashionDir, steps = 100, reps = 3 }) {
  const setup = ensureInstalled(fashionDir);
  if (!setup.dir) return setup;
  const r = spawnSync(process.execPath, ['w5_w6_tfjs.mjs', '--workload', 'W5', '--backend', 'wasm', '--steps', String(steps), '--reps', String(reps)], {
    cwd: setup.dir,
    maxBuffer: 1 << 24,
  });
  const records = r.stdout.toString().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  if (r.status !== 0 || records.length === 0) return { reason: `the TF.js script failed: ${r.stderr.toString().trim().split('\n').pop()}` };
  return { imagesPerS: median(records.map((x) => x.images_per_s)), version: records[0].tfjs, simd: records[0].wasm_simd };
}
