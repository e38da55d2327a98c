// What every sub-command shares: flag parsing with one-line errors, progress on stderr, Ctrl-C, atomic
// writes, and image grids written as PNG (sharp).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GaussfaceError } from '../dist/index.js';
import { imageGrid, saveFileAtomic } from '../dist/node.js';
import sharp from 'sharp';

/** An error the user can fix: printed as one line, exit code 2 (1 is for failures of the work itself). */
export class UsageError extends Error {}

/** The bytes of a model file; a missing or unreadable file is a user error. */
export function readBytes(path) {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch {
    throw new UsageError(`cannot read model file ${path} (no such file?)`);
  }
}

/** Parses argv for a command; unknown flags and bad values are UsageErrors that name the command's --help. */
export function flags(cmd, argv, options, { positionals = 0 } = {}) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }, allowPositionals: positionals > 0, strict: true });
  } catch (e) {
    throw new UsageError(`${e.message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' ')} (see: gaussface ${cmd} --help)`);
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}' (see: gaussface ${cmd} --help)`);
  return { ...parsed.values, _: parsed.positionals };
}

/** A number flag within [min, max] (integers when `int`). */
export function num(value, name, { min = -Infinity, max = Infinity, int = false, fallback } = {}) {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v)))
    throw new UsageError(`--${name} must be ${int ? 'an integer' : 'a number'}${Number.isFinite(min) ? ` ≥ ${min}` : ''}${Number.isFinite(max) ? ` and ≤ ${max}` : ''}, got '${value}'`);
  return v;
}

/** A progress bar on stderr (redrawn in place on a terminal, a line per stage step otherwise; silent with --json). */
export function progress(enabled = true) {
  const tty = process.stderr.isTTY;
  let last = '';
  let logged = { label: '', quarter: -1 };
  return {
    update(label, done, total, detail = '') {
      if (!enabled) return;
      const width = 24;
      const filled = total ? Math.round((done / total) * width) : 0;
      const line = `${label.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${detail}`;
      last = line;
      if (tty) return void process.stderr.write(`\r\x1b[K${line}`);
      // A log (not a terminal) gets a line per quarter of each stage, not one per update.
      const quarter = total ? Math.floor((4 * done) / total) : 0;
      if (label === logged.label && quarter === logged.quarter) return;
      logged = { label, quarter };
      process.stderr.write(`${line}\n`);
    },
    done() {
      if (enabled && tty && last) process.stderr.write('\n');
      last = '';
      logged = { label: '', quarter: -1 };
    },
  };
}

/** Aborts on Ctrl-C (the first press cancels the work; files being written are never left half-written). */
export function interruptible() {
  const ac = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\ngaussface: interrupted, cancelling…\n');
    ac.abort();
  });
  return ac.signal;
}

/** Writes bytes to `path` atomically (the SDK's saveFileAtomic); a full disk or a read-only folder is a user error. */
export async function writeAtomic(path, bytes) {
  try {
    await saveFileAtomic(path, bytes);
  } catch (e) {
    throw e instanceof GaussfaceError && e.code === 'EIO' ? new UsageError(`${e.message} (see --out)`) : e;
  }
}

/** A contact sheet of images as PNG bytes: the SDK's imageGrid with the CLI's defaults (4 columns, scaled ×2). */
export const gridPng = (images, { cols = 4, scale = 2, ...opts }) => imageGrid(images, { cols, scale, ...opts });

/** PNG bytes of an SVG (plots). */
export function svgToPng(svg) {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Prints the result: JSON on stdout with --json, else the human summary lines. */
export function report(json, result, lines) {
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else for (const l of lines) process.stdout.write(`${l}\n`);
}
