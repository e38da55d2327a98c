#!/usr/bin/env node
// The gaussface command: a thin layer over the SDK. Every user error is one line on stderr and exit code 2;
// a failure of the work itself exits 1; Ctrl-C exits 130 and leaves no half-written file.
import { GaussfaceError, shutdown } from '../dist/index.js';
import { UsageError } from './common.mjs';

const COMMANDS = {
  demo: () => import('./commands/demo.mjs'),
  fit: () => import('./commands/fit.mjs'),
  sample: () => import('./commands/sample.mjs'),
  select: () => import('./commands/select.mjs'),
  info: () => import('./commands/info.mjs'),
  augment: () => import('./commands/augment.mjs'),
  cluster: () => import('./commands/cluster.mjs'),
  anomalies: () => import('./commands/anomalies.mjs'),
  points: () => import('./commands/points.mjs'),
  evaluate: () => import('./commands/evaluate.mjs'),
  score: () => import('./commands/score.mjs'),
  vae: () => import('./commands/vae.mjs'),
};

async function usage() {
  const lines = await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => `  ${name.padEnd(10)} ${(await load()).summary}`));
  return `usage: gaussface <command> [options]    (gaussface <command> --help for its options)

Learns the distribution of a set of images with Gaussian models (PCA + mixtures) and generates new ones.

commands:
${lines.join('\n')}

environment: GAUSSFACE_FMA=1 runs the faster FMA engine build where the runtime has relaxed SIMD (results
differ in the last bits from the default portable build); GAUSSFACE_CACHE, GAUSSFACE_MIRROR for data set downloads.

Start with: gaussface demo --out gaussface-demo`;
}

// `gaussface info m | head`: a closed pipe ends the output, it is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const USER_CODES = new Set(['EINPUT', 'ESHAPE', 'EFORMAT', 'ECOLLAPSE', 'ENOMEM']);

async function main(argv) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return 0;
  }
  if (name === '--version') {
    console.log((await import('../package.json', { with: { type: 'json' } })).default.version);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')}; see gaussface --help)`);
  await (await load()).run(rest);
  return 0;
}

let code;
try {
  code = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || (e instanceof GaussfaceError && USER_CODES.has(e.code))) {
    process.stderr.write(`gaussface: error: ${e.message}\n`);
    code = 2;
  } else if (e?.code === 'EABORT') {
    process.stderr.write('gaussface: cancelled\n');
    code = 130;
  } else {
    process.stderr.write(`gaussface: failed: ${e?.stack ?? e}\n`);
    code = 1;
  }
}
await shutdown();
process.exitCode = code;
