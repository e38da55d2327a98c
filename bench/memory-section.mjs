// BENCHMARKS.md "Memory": peak RSS next to wall time of the CLI on LFW 64×64 (fit, fit --holdout, evaluate, one
// epoch of vae train), each a fresh process under GNU time (`/usr/bin/time -f %M`, the peak of the whole process:
// calling thread, workers and their engines). Also runnable alone: `node bench/memory-section.mjs` prints it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LFW = join(ROOT, '..', 'shared', 'datasets', 'lfw');
const TIME = '/usr/bin/time';

/** Runs the CLI under GNU time: { rss (MiB), wall (s) }. */
function measure(args, cwd) {
  const r = spawnSync(TIME, ['-f', 'GAUSSFACE-TIME %M %e', process.execPath, join(ROOT, 'cli/gaussface.mjs'), ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /GAUSSFACE-TIME (\d+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`gaussface ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { rss: Number(m[1]) / 1024, wall: Number(m[2]) };
}

export async function run() {
  const head = '## Memory\n\n';
  if (!existsSync(TIME)) return `${head}Not measured: ${TIME} (GNU time) is missing.\n`;
  if (!existsSync(LFW)) return `${head}Not measured: ${LFW} is absent.\n`;
  const dir = mkdtempSync(join(tmpdir(), 'gaussface-mem-'));
  const data = ['--data', LFW, '--size', '64'];
  const pixels = 6546 * 64 * 64 * 4;
  try {
    const rows = [
      ['`fit --data lfw --size 64`', measure(['fit', ...data, '--out', 'a.safetensors', '--json'], dir)],
      ['`fit … --holdout --pca 100`', measure(['fit', ...data, '--holdout', '--pca', '100', '--out', 'h.safetensors', '--json'], dir)],
      ['`evaluate h.safetensors --data lfw --size 64`', measure(['evaluate', 'h.safetensors', ...data, '--json'], dir)],
      ['`vae train … --preset conv64 --holdout --epochs 1 --batch 64`', measure(['vae', 'train', ...data, '--preset', 'conv64', '--holdout', '--epochs', '1', '--batch', '64', '--out', 'v.safetensors', '--json'], dir)],
    ];
    const mib = (x) => x.toFixed(0);
    return `${head}Peak RSS of the whole process (GNU time's maximum resident set: calling thread, two workers and their engines) and
wall time, LFW (6,546 faces) at 64×64 gray: ${mib(pixels / 2 ** 20)} MiB of f32 pixels. Each command is a fresh process; the machine
is shared, so the times are under contention and only roughly comparable.

| command | peak RSS (MiB) | × pixels | wall (s) |
|---|---:|---:|---:|
${rows.map(([name, r]) => `| ${name} | ${mib(r.rss)} | ${(r.rss / (pixels / 2 ** 20)).toFixed(1)} | ${r.wall.toFixed(0)} |`).join('\n')}
`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await run());
