// Three CLI processes at once (`gaussface fit --data synthetic:300 …`, 2 workers each on a machine that may have
// fewer cores): all three exit 0 and write the same model as one process alone (the same tensors, bit for bit, and
// the same metadata but the creation time).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, report, round, ROOT } from './lib.mjs';

/** A model file's bytes with its creation time (an ISO date in the header, always 24 characters) blanked. */
const model = (file) => Buffer.from(readFileSync(file).toString('latin1').replace(/"info\.created":"[^"]{24}"/, '"info.created":"------------------------"'), 'latin1');

const dir = mkdtempSync(join(tmpdir(), 'gaussface-load-'));
const fit = (out) =>
  new Promise((resolve) => {
    const t0 = performance.now();
    const args = ['cli/gaussface.mjs', 'fit', '--data', 'synthetic:300', '--size', '32', '--seed', '3', '--out', join(dir, out)];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr, ms: performance.now() - t0, file: join(dir, out) }));
  });
try {
  const alone = await fit('alone.safetensors');
  check(alone.code === 0, `one process alone failed (${alone.code}): ${alone.stderr}`);
  const t0 = performance.now();
  const three = await Promise.all(['a', 'b', 'c'].map((n) => fit(`${n}.safetensors`)));
  const wall = performance.now() - t0;
  for (const r of three) check(r.code === 0, `a concurrent process failed (${r.code}): ${r.stderr}`);
  const ref = model(alone.file);
  const same = three.every((r) => model(r.file).equals(ref));
  check(same, 'the three concurrent processes wrote different models');
  report('3 CLI processes at once', {
    command: 'gaussface fit --data synthetic:300 --size 32 --seed 3',
    aloneS: round(alone.ms / 1000, 1), threeAtOnceWallS: round(wall / 1000, 1), eachS: three.map((r) => round(r.ms / 1000, 1)).join(' '),
    exitCodes: three.map((r) => r.code).join(' '), sameModel: same,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
