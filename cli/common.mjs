// What every sub-command shares: flag parsing with one-line errors, progress on stderr, Ctrl-C, atomic
// writes, and image grids written as PNG (sharp).
import { parseArgs } from 'node:util';
import { mkdirSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';

/** An error the user can fix: printed as one line, exit code 2 (1 is for failures of the work itself). */
export class UsageError extends Error {}

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
  return {
    update(label, done, total, detail = '') {
      if (!enabled) return;
      const width = 24;
      const filled = total ? Math.round((done / total) * width) : 0;
      const line = `${label.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${detail}`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (line !== last) process.stderr.write(`${line}\n`);
      last = line;
    },
    done() {
      if (enabled && tty && last) process.stderr.write('\n');
      last = '';
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

/** Writes bytes to `path` atomically: a temporary file in the same folder, fsync, rename. */
export function writeAtomic(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(tmp, bytes);
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e.code === 'ENOSPC') throw new UsageError(`cannot write ${path}: the disk is full; free some space or choose another --out`);
    if (e.code === 'EACCES' || e.code === 'EROFS') throw new UsageError(`cannot write ${path}: permission denied; choose another --out`);
    throw e;
  }
}

const escapeXml = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A contact sheet of images (rows of a Matrix or Float32Arrays in [0, 1], HWC) as PNG bytes, each image
 * scaled up by `scale`, `cols` per row, with an optional caption under each (a score, a file name).
 */
export async function gridPng(images, { width, height, channels, cols = 4, pad = 2, scale = 2, captions }) {
  const list = Array.isArray(images) ? images : Array.from({ length: images.rows }, (_, i) => images.row(i));
  const rows = Math.ceil(list.length / cols);
  const [W, H] = [cols * (width + pad) + pad, rows * (height + pad) + pad];
  const out = new Uint8Array(W * H * channels).fill(255);
  list.forEach((img, n) => {
    const [gx, gy] = [n % cols, Math.floor(n / cols)];
    for (let r = 0; r < height; r++)
      for (let c = 0; c < width; c++)
        for (let ch = 0; ch < channels; ch++) {
          const v = img[(r * width + c) * channels + ch];
          out[((pad + gy * (height + pad) + r) * W + pad + gx * (width + pad) + c) * channels + ch] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
  });
  const grid = sharp(out, { raw: { width: W, height: H, channels } }).resize(W * scale, H * scale, { kernel: 'nearest' });
  if (!captions) return grid.png().toBuffer();
  // Captions: a 14-pixel band under every row of images, drawn as SVG text.
  const band = 14;
  const cellW = (width + pad) * scale;
  const cellH = (height + pad) * scale;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W * scale}" height="${rows * (cellH + band) + pad * scale}">${captions
    .slice(0, list.length)
    .map((c, n) => `<text x="${pad * scale + (n % cols) * cellW + (width * scale) / 2}" y="${Math.floor(n / cols) * (cellH + band) + cellH + band - 3 + pad * scale}" font-family="sans-serif" font-size="11" text-anchor="middle">${escapeXml(c)}</text>`)
    .join('')}</svg>`;
  const tiles = await Promise.all(Array.from({ length: rows }, (_, r) => sharp(out, { raw: { width: W, height: H, channels } })
    .extract({ left: 0, top: r * (height + pad), width: W, height: height + pad })
    .resize(W * scale, cellH, { kernel: 'nearest' }).png().toBuffer()));
  return sharp({ create: { width: W * scale, height: rows * (cellH + band) + pad * scale, channels: 3, background: 'white' } })
    .composite([...tiles.map((input, r) => ({ input, left: 0, top: r * (cellH + band) })), { input: Buffer.from(svg), left: 0, top: 0 }])
    .png().toBuffer();
}

/** PNG bytes of an SVG (plots). */
export function svgToPng(svg) {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Prints the result: JSON on stdout with --json, else the human summary lines. */
export function report(json, result, lines) {
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else for (const l of lines) process.stdout.write(`${l}\n`);
}
