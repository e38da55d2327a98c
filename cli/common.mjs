// @ts-check
// What every sub-command shares: flag parsing with one-line errors, warnings, progress on stderr, Ctrl-C,
// atomic writes, and image grids written as PNG (sharp).
import { parseArgs } from 'node:util';
import { GaussfaceError, gridLayout, MAX_GRID_PIXELS, nParameters } from 'gaussface';
import { imageGrid, loadSharp, readRegularFile, saveFileAtomic } from 'gaussface/node';

/** An error the user can fix: printed as one line, exit code 2 (1 is for failures of the work itself). */
export class UsageError extends Error {
  /**
   * @param {string} message
   * @param {string} [code] what `--json` reports: EUSAGE (a bad command line) unless a more precise one applies
   */
  constructor(message, code = 'EUSAGE') {
    super(message);
    this.code = code;
  }
}

/** The largest model file read (a bound, so that a FIFO or /dev/zero named like a model never hangs or fills memory). */
const MAX_MODEL_BYTES = 2 ** 31;

/**
 * The bytes of a model file: a regular file of at most 2 GiB (a FIFO, a device or a larger file is a one-line
 * user error naming it, as an image in a data folder is).
 * @param {string} path
 */
export async function readBytes(path) {
  try {
    return await readRegularFile(path, MAX_MODEL_BYTES, 'model file');
  } catch (e) {
    throw new UsageError(e instanceof GaussfaceError ? e.message : `cannot read model file ${path}: ${/** @type {Error} */ (e).message}`);
  }
}

/** @typedef {{ type: 'string' | 'boolean', short?: string }} Option */

// How the user spelled each option (-n or --count), so that a bad value is reported the way it was typed.
const spelling = new Map();

/**
 * A negative number after an option that takes a value ("-n -3", "--strengths -1,1") is that value, not an
 * option: joined into "--count=-3" / "-n-3" so that parseArgs takes it and num() reports the bad value plainly.
 * @param {string[]} argv
 * @param {Record<string, Option>} options
 */
function joinNegativeValues(argv, options) {
  const takesValue = new Set(Object.entries(options).flatMap(([name, o]) => (o.type === 'string' ? [`--${name}`, ...(o.short ? [`-${o.short}`] : [])] : [])));
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...out, ...argv.slice(i)];
    if (takesValue.has(argv[i]) && /^-\.?\d/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}${argv[i].startsWith('--') ? '=' : ''}${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/**
 * Parses argv for a command; unknown flags and bad values are UsageErrors that name the command's --help.
 * @template {Record<string, Option>} T
 * @param {string} cmd
 * @param {string[]} argv
 * @param {T} options
 * @param {{ positionals?: number }} [opts]
 * @returns {{ [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string } & { help?: boolean, json?: boolean, _: string[] }}
 */
export function flags(cmd, argv, options, { positionals = 0 } = {}) {
  const all = { ...options, help: { type: /** @type {const} */ ('boolean'), short: 'h' }, json: { type: /** @type {const} */ ('boolean') } };
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, all), options: all, allowPositionals: positionals > 0, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError(`${/** @type {Error} */ (e).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' ')} (see: gaussface ${cmd} --help)`);
  }
  for (const t of parsed.tokens ?? []) if (t.kind === 'option') spelling.set(t.name, t.rawName);
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}' (see: gaussface ${cmd} --help)`);
  return /** @type {any} */ ({ ...parsed.values, _: parsed.positionals });
}

/** The option that takes the model file: positional MODEL, or --model MODEL (the older spelling, kept). */
export const MODEL_FILE_OPTION = { model: { type: /** @type {const} */ ('string') } };

/**
 * The model file of a command: its positional MODEL or --model (not both, unless they agree).
 * @param {{ _: string[], model?: string }} f
 * @param {string} cmd
 */
export function modelFile(f, cmd) {
  const [given] = f._;
  if (given !== undefined && f.model !== undefined && given !== f.model) throw new UsageError(`${cmd}: give the model file once (gaussface ${cmd} MODEL …), got '${given}' and --model '${f.model}'`);
  return given ?? f.model;
}

/**
 * What a number option must be, in words: "a positive integer", "an integer from 1 to 64", "a number > 0 and ≤ 10".
 * @param {{ min?: number, max?: number, above?: number, int?: boolean }} range
 */
function expected({ min = -Infinity, max = Infinity, above, int = false }) {
  const kind = int ? 'an integer' : 'a number';
  if (above === undefined && Number.isFinite(min) && Number.isFinite(max)) return `${kind} from ${min} to ${max}`;
  if (int && min === 1 && max === Infinity) return 'a positive integer';
  const lower = above !== undefined ? ` > ${above}` : Number.isFinite(min) ? ` ≥ ${min}` : '';
  return `${kind}${lower}${Number.isFinite(max) ? `${lower ? ' and' : ''} ≤ ${max}` : ''}`;
}

/** @typedef {{ min?: number, max?: number, above?: number, int?: boolean }} Range */

/**
 * @overload
 * @param {string} value
 * @param {string} name
 * @param {Range} [range]
 * @returns {number}
 */
/**
 * @template F
 * @overload
 * @param {string | undefined} value
 * @param {string} name
 * @param {Range & { fallback: F }} range
 * @returns {number | F}
 */
/**
 * @overload
 * @param {string | undefined} value
 * @param {string} name
 * @param {Range} [range]
 * @returns {number | undefined}
 */
/**
 * A number option within [min, max] (or above `above`, exclusive; integers when `int`), else a one-line error
 * naming the option as it was typed: "-n must be a positive integer, got -3". Absent: `fallback`.
 * @param {string | undefined} value
 * @param {string} name
 * @param {Range & { fallback?: unknown }} [range]
 */
export function num(value, name, range = {}) {
  const { min = -Infinity, max = Infinity, above, int = false, fallback } = range;
  if (value === undefined) return fallback;
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < min || v > max || (above !== undefined && !(v > above)) || (int && !Number.isInteger(v)))
    throw new UsageError(`${spelling.get(name) ?? `--${name}`} must be ${expected(range)}, got ${value}`);
  return v;
}

const warnings = /** @type {string[]} */ ([]);

/** A warning: one line on stderr now, and in the --json result (`warnings`). */
export function warn(/** @type {string} */ message) {
  warnings.push(message);
  process.stderr.write(`gaussface: warning: ${message}\n`);
}

/**
 * Warns about the candidate mixtures with more free parameters than the rows they are fitted on: their likelihood
 * rewards memorising those rows, and BIC/AIC computed from it are not to be trusted. One line per covariance type
 * (a default `fit` tries six sizes: one line, not six).
 * @param {{ covarianceType: import('gaussface').CovarianceType, nComponents: number }[]} candidates
 * @param {number} rows
 * @param {number} features
 */
export function warnOverParameterised(candidates, rows, features) {
  const over = candidates.map(({ covarianceType, nComponents }) => ({ covarianceType, nComponents, p: nParameters(covarianceType, nComponents, features) })).filter((c) => c.p > rows);
  for (const type of [...new Set(over.map((c) => c.covarianceType))]) {
    const these = over.filter((c) => c.covarianceType === type);
    const ks = these.map((c) => c.nComponents);
    const [lo, hi] = [Math.min(...these.map((c) => c.p)), Math.max(...these.map((c) => c.p))];
    const many = ks.length > 1 || ks[0] > 1;
    warn(`${ks.join(', ')} ${type} Gaussian${many ? 's' : ''} in ${features} dimensions ha${many ? 've' : 's'} ${lo.toLocaleString('en')}${hi > lo ? `–${hi.toLocaleString('en')}` : ''} free parameters, more than the ${rows.toLocaleString('en')} rows ${ks.length > 1 ? 'each is' : 'they are'} fitted on (the fit can memorise them; trust its BIC/AIC less): use fewer components, a simpler --covariance, a smaller --pca or more images`);
  }
}

/** A progress bar on stderr (redrawn in place on a terminal, a line per stage step otherwise; silent with --json). */
export function progress(enabled = true) {
  const tty = process.stderr.isTTY;
  let last = '';
  let logged = { label: '', quarter: -1 };
  return {
    /** @param {string} label @param {number} done @param {number} total @param {string} [detail] */
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

/**
 * Writes bytes to `path` atomically (the SDK's saveFileAtomic; missing folders are created); a full disk or a
 * read-only folder is a user error.
 * @param {string} path
 * @param {Uint8Array | string} bytes
 */
export async function writeAtomic(path, bytes) {
  try {
    await saveFileAtomic(path, bytes);
  } catch (e) {
    throw e instanceof GaussfaceError && e.code === 'EIO' ? new UsageError(`${e.message} (see --out)`, 'EIO') : e;
  }
}

/** @typedef {Omit<import('gaussface').GridOptions, 'codec'>} GridOptions */

/**
 * A contact sheet of images as PNG bytes: the SDK's imageGrid with the CLI's defaults (4 columns, scaled ×2).
 * @param {Float32Array[] | import('gaussface').Matrix} images
 * @param {Partial<GridOptions> & Pick<GridOptions, 'width' | 'height' | 'channels'>} opts
 */
export const gridPng = (images, { cols = 4, scale = 2, ...opts }) => imageGrid(images, { cols, scale, ...opts });

/**
 * Refuses, before any work, a grid of `count` images larger than one sheet may be (MAX_GRID_PIXELS): such a
 * sheet used to exhaust memory.
 * @param {number} count
 * @param {Partial<GridOptions> & Pick<GridOptions, 'width' | 'height' | 'channels'>} opts
 * @param {string} name the option that asked for `count` images
 * @param {string} fix what to do instead
 */
export function checkSheet(count, { cols = 4, scale = 2, ...opts }, name, fix) {
  const fits = (/** @type {number} */ n) => {
    const g = gridLayout(n, { ...opts, cols, scale });
    return g.width * g.height <= MAX_GRID_PIXELS;
  };
  if (fits(count)) return;
  let [lo, hi] = [1, count]; // the most images one sheet holds (the sheet grows with the count)
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  throw new UsageError(`${spelling.get(name) ?? `--${name}`} ${count}: one grid sheet holds at most ${lo.toLocaleString('en')} ${opts.width}×${opts.height} images at these settings; ${fix}`);
}

/** PNG bytes of an SVG (plots). */
export async function svgToPng(/** @type {string} */ svg) {
  return (await loadSharp())(Buffer.from(svg)).png().toBuffer();
}

/**
 * Prints the result: JSON on stdout with --json (with the warnings given, if any), else the human summary lines.
 * @param {boolean | undefined} json
 * @param {object} result
 * @param {string[]} lines
 */
export function report(json, result, lines) {
  if (json) process.stdout.write(`${JSON.stringify(warnings.length ? { ...result, warnings } : result, null, 2)}\n`);
  else for (const l of lines) process.stdout.write(`${l}\n`);
}
