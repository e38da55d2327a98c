// `npm run bench`: every benchmark section side by side with its anchors in one run, written to BENCHMARKS.md.
//   node bench/run.mjs [--only gemm,gmm,pca-kmeans,js-peers,vae,memory] [--quick]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { ensurePython } from './python.mjs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const quick = args.includes('--quick');

const sections = [
  ['gemm', () => import('./gemm-section.mjs')],
  ['gmm', () => import('./gmm-section.mjs')],
  ['pca-kmeans', () => import('./pca-kmeans-section.mjs')],
  ['js-peers', () => import('./js-peers-section.mjs')],
  ['vae', () => import('./vae-section.mjs')],
  ['memory', () => import('./memory-section.mjs')],
];

const started = new Date();
const python = await ensurePython();
const parts = [];
for (const [name, load] of sections) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  const mod = await load();
  parts.push(await mod.run({ quick, python }));
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
// The model name is often bare under a hypervisor: family/model and the widest SIMD say which core this is.
const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const field = (name) => cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1];
const simd = /\bavx512f\b/.test(cpuinfo) ? 'AVX-512' : /\bavx2\b/.test(cpuinfo) ? 'AVX2' : 'SSE';
const core = cpuinfo ? ` (family ${field('cpu family')}, model ${field('model')}, ${simd}, ${Math.round(Number(field('cpu MHz')))} MHz nominal)` : '';
const header = `# Benchmarks

Written by \`npm run bench\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${os.cpus().length} × ${cpu}${core},
Node ${process.versions.node} (V8 ${process.versions.v8}); anchors run in the same run with Debian's /usr/bin/python3
(numpy/scikit-learn, OpenBLAS with \`OPENBLAS_CORETYPE\`/\`OPENBLAS_L2_SIZE\` unset for those commands only, so it picks
its best kernel${python.note ? `; ${python.note}` : ''}). Times are medians (W3 and W4: best of N on both sides); this machine is shared and noisy (±30 % between runs), so read ratios, not
absolute figures.${python.ok ? '' : `\n\n**Anchors missing:** ${python.reason}`}
`;
// With --only, the other sections of an existing BENCHMARKS.md are kept (each section starts with '## ').
const title = (sec) => sec.split('\n')[0];
const previous = only && existsSync('BENCHMARKS.md') ? readFileSync('BENCHMARKS.md', 'utf8').split(/^(?=## )/m).slice(1) : [];
const merged = previous.map((old) => parts.find((p) => title(p) === title(old)) ?? old);
for (const p of parts) if (!merged.includes(p)) merged.push(p);
writeFileSync('BENCHMARKS.md', [header, ...merged.map((p) => p.trimEnd() + '\n')].join('\n'));
process.stderr.write('bench: wrote BENCHMARKS.md\n');
const { shutdown } = await import('../dist/index.js');
await shutdown();
