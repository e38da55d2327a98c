// The VAE's failure modes through the command line: a diverging run (exit 2, the last good model file kept) and
// Ctrl-C during `vae train` followed by --resume (the same bits as a run that was never interrupted).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '../dist/index.js';

const CLI = new URL('../cli/gaussface.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gaussface-vae-faults-'));
const run = (...args) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
writeFileSync(join(dir, 'arch.json'), JSON.stringify({ encoder: [{ dense: 24 }], latent: 3 }));
// 16×16 procedural faces: no files needed; a tiny network so that an epoch takes milliseconds.
const TRAIN = ['vae', 'train', '--data', 'synthetic:120', '--size', '16', '--config', 'arch.json', '--batch', '4', '--workers', '2', '--json'];
const tensorsOf = (file) => decodeSafetensors(readFileSync(join(dir, file))).tensors;

test('a diverging run exits 2 saying to lower --lr, and leaves the last good model file as it was', () => {
  const first = run(...TRAIN, '--epochs', '1', '--out', 'v.safetensors');
  assert.is(first.code, 0, first.err);
  const good = readFileSync(join(dir, 'v.safetensors'));
  // Diverging after a resumed model's epoch, and a new model diverging in its first epoch (nothing to save).
  for (const args of [['--resume', 'v.safetensors', '--out', 'v.safetensors'], ['--out', 'v.safetensors']]) {
    const r = run(...TRAIN, '--epochs', '2', '--lr', '1e6', ...args);
    assert.is(r.code, 2, r.err);
    const { error } = JSON.parse(r.out.trim().split('\n').at(-1)); // --json: the error as JSON on stdout
    assert.is(error.code, 'EDIVERGED');
    assert.match(error.message, /^training diverged in epoch \d+ \(loss (NaN|-?Infinity)\).*lower the learning rate \(lr 1000000; try 100000\)/);
    assert.equal(readFileSync(join(dir, 'v.safetensors')), good, 'the good model is untouched');
  }
  assert.is(readdirSync(dir).filter((f) => f.includes('.tmp-')).length, 0);
});

test('Ctrl-C during vae train keeps the last finished epoch; --resume then gives the same bits as an uninterrupted run', async () => {
  const child = spawn(process.execPath, [CLI, ...TRAIN, '--epochs', '100000', '--out', 'cut.safetensors'], { cwd: dir });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise((r) => child.on('exit', r));
  // Interrupt once a checkpoint exists, i.e. in the middle of a later epoch.
  const t0 = Date.now();
  while (!existsSync(join(dir, 'cut.safetensors')) && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  const sent = Date.now();
  child.kill('SIGINT');
  assert.is(await exit, 130, err);
  assert.ok(Date.now() - sent < 10000, `stopped ${Date.now() - sent} ms after SIGINT`);
  assert.match(err, /cancel/);
  assert.is(readdirSync(dir).filter((f) => f.includes('.tmp-')).length, 0, 'no temporary file left');
  const epochs = tensorsOf('cut.safetensors').history.shape[0];
  assert.ok(epochs >= 1, `the checkpoint holds ${epochs} epochs`);
  const resumed = run(...TRAIN, '--epochs', '2', '--resume', 'cut.safetensors', '--out', 'resumed.safetensors');
  assert.is(resumed.code, 0, resumed.err);
  const whole = run(...TRAIN, '--epochs', String(epochs + 2), '--out', 'whole.safetensors');
  assert.is(whole.code, 0, whole.err);
  const [a, b] = [tensorsOf('resumed.safetensors'), tensorsOf('whole.safetensors')];
  for (const name of ['params', 'adam.m', 'adam.v', 'history']) assert.equal(Buffer.from(a[name].data.buffer), Buffer.from(b[name].data.buffer), `${name}: same bits`);
});

test.run();
