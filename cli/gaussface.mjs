#!/usr/bin/env node
// @ts-check
// The gaussface command: a thin layer over the SDK. Every user error is one line on stderr and exit code 2;
// a failure of the work itself exits 1; Ctrl-C exits 130 and leaves no half-written file. With --json, errors
// are JSON on stdout too ({"error": {"code", "message"}}), where the result would have been.
import { GaussfaceError, shutdown } from 'gaussface';
import { UsageError } from './common.mjs';

/** @type {Record<string, () => Promise<{ summary: string, run: (argv: string[]) => Promise<void> }>>} */
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

Commands that read a model take it as the first argument (gaussface sample MODEL …; --model MODEL also works).
Output folders (--out) that do not exist are created. Exit codes: 0 done, 2 a problem with the command line or
the input (one line on stderr), 1 a failure of gaussface itself, 130 cancelled (Ctrl-C). With --json the result
is JSON on stdout, and so is an error: {"error": {"code": "EUSAGE", "message": "…"}} (codes: EUSAGE, the SDK's
EINPUT, ESHAPE, EFORMAT, …, EABORT when cancelled, EINTERNAL).

environment: GAUSSFACE_FMA=1 runs the faster FMA engine build where the runtime has relaxed SIMD (results
differ in the last bits from the default portable build); GAUSSFACE_CACHE, GAUSSFACE_MIRROR for data set downloads.

Start with: gaussface demo --out gaussface-demo`;
}

// `gaussface info m | head`: a closed pipe ends the output, it is not an error.
process.stdout.on('error', (e) => {
  if (/** @type {NodeJS.ErrnoException} */ (e).code === 'EPIPE') process.exit(0);
  throw e;
});

/** @type {Set<string>} SDK error codes that mean "fix your input" (exit 2) rather than "gaussface failed" (exit 1). */
const USER_CODES = new Set(['EINPUT', 'ESHAPE', 'EFORMAT', 'ECOLLAPSE', 'ENOMEM', 'EDIVERGED', 'EMISSING']);

/** @param {string[]} argv */
async function main(argv) {
  const [name, ...rest] = argv;
  if (!name) throw new UsageError(`a command is needed\n\n${await usage()}`);
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return;
  }
  if (name === '--version') {
    console.log((await import('../package.json', { with: { type: 'json' } })).default.version);
    return;
  }
  const load = COMMANDS[name];
  if (!load) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')}; see gaussface --help)`);
  await (await load()).run(rest);
}

/**
 * The exit code of an error and how it is reported (with what a command had done when it stopped, if it says).
 * @param {any} e
 * @returns {{ exit: number, code: string, message: string }}
 */
function classify(e) {
  const partial = e?.partial ? `; ${e.partial}` : '';
  if (e instanceof UsageError) return { exit: 2, code: e.code, message: e.message };
  if (e instanceof GaussfaceError && USER_CODES.has(e.code)) return { exit: 2, code: e.code, message: `${e.message}${partial}` };
  if (e?.code === 'EABORT') return { exit: 130, code: 'EABORT', message: `cancelled${partial}` };
  return { exit: 1, code: 'EINTERNAL', message: `${e?.stack ?? e}${partial}` };
}

const argv = process.argv.slice(2);
const json = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).includes('--json');
let exit = 0;
try {
  await main(argv);
} catch (e) {
  const r = classify(e);
  exit = r.exit;
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: r.code, message: r.message } })}\n`);
  else process.stderr.write(`gaussface: ${r.exit === 2 ? 'error: ' : r.exit === 1 ? 'failed: ' : ''}${r.message}\n`);
}
await shutdown();
process.exitCode = exit;
