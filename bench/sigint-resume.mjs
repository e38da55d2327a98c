// SIGINT during `gaussface vae train`, then --resume: interrupts a run mid-epoch once a checkpoint exists,
// resumes it to the same total number of epochs, trains the same model uninterrupted, and compares the bits.
// Figures for RELIABILITY.md. Usage (defaults in brackets):
//   node bench/sigint-resume.mjs [--data ../shared/datasets/olivetti] [--size 64] [--preset mlp] [--epochs 12]
//                                [--batch 32] [--workers 2] [--after 2]   (SIGINT this many epochs into the run)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeSafetensors } from '../dist/index.js';

const { values: o } = parseArgs({ options: { data: { type: 'string', default: '../shared/datasets/olivetti' }, size: { type: 'string', default: '64' }, preset: { type: 'string', default: 'mlp' }, epochs: { type: 'string', default: '12' }, batch: { type: 'string', default: '32' }, workers: { type: 'string', default: '2' }, after: { type: 'string', default: '2' } } });
const CLI = new URL('../cli/gaussface.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gaussface-sigint-'));
const args = (epochs, out, more = []) => ['vae', 'train', '--data', resolve(o.data), '--size', o.size, '--preset', o.preset, '--batch', o.batch, '--workers', o.workers, '--epochs', String(epochs), '--out', out, ...more];
const epochsIn = (file) => decodeSafetensors(readFileSync(join(dir, file))).tensors.history.shape[0];

/** Runs the CLI; `interrupt(child)` may send it a signal. Resolves to { code, ms, err }. */
function cli(argv, interrupt) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...argv], { cwd: dir });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  interrupt?.(child);
  return new Promise((r) => child.on('exit', (code, signal) => r({ code: code ?? signal, ms: performance.now() - t0, err })));
}

// 1. Interrupted: SIGINT once the checkpoint of epoch `after` exists, half-way into the next epoch.
let sentAt = 0;
let checkpointAt = 0;
const cut = await cli(args(o.epochs, 'cut.safetensors'), (child) => {
  const poll = setInterval(() => {
    if (!existsSync(join(dir, 'cut.safetensors')) || epochsIn('cut.safetensors') < Number(o.after)) return;
    clearInterval(poll);
    checkpointAt = performance.now();
    const perEpoch = (checkpointAt - t0) / Number(o.after);
    setTimeout(() => {
      sentAt = performance.now();
      child.kill('SIGINT');
    }, perEpoch / 2);
  }, 50);
  const t0 = performance.now();
  child.on('exit', () => clearInterval(poll));
});
const stopMs = performance.now() - sentAt - 0; // upper bound: includes process exit
const kept = epochsIn('cut.safetensors');
const leftovers = readdirSync(dir).filter((f) => f.includes('.tmp-'));
// 2. Resumed to the same total; 3. uninterrupted.
const resumed = await cli(args(Number(o.epochs) - kept, 'resumed.safetensors', ['--resume', 'cut.safetensors']));
const whole = await cli(args(o.epochs, 'whole.safetensors'));
const [a, b] = [decodeSafetensors(readFileSync(join(dir, 'resumed.safetensors'))).tensors, decodeSafetensors(readFileSync(join(dir, 'whole.safetensors'))).tensors];
const same = Object.fromEntries(['params', 'adam.m', 'adam.v', 'history'].map((n) => [n, Buffer.compare(Buffer.from(a[n].data.buffer), Buffer.from(b[n].data.buffer)) === 0]));
console.log(JSON.stringify({
  data: o.data, preset: o.preset, size: o.size, epochs: Number(o.epochs), batch: Number(o.batch), workers: Number(o.workers),
  interrupted: { exitCode: cut.code, epochsKept: kept, msFromSigintToExit: Math.round(stopMs), temporaryFilesLeft: leftovers.length, lastStderr: cut.err.trim().split('\n').at(-1), fileBytes: statSync(join(dir, 'cut.safetensors')).size },
  resumed: { exitCode: resumed.code, seconds: +(resumed.ms / 1000).toFixed(1) }, uninterrupted: { exitCode: whole.code, seconds: +(whole.ms / 1000).toFixed(1) },
  sameBits: same, finalLoss: { resumed: a.history.data.at(-1), uninterrupted: b.history.data.at(-1) },
}, null, 2));
