// A row-major matrix over a typed array, and the one place where user input becomes one (with checks
// that name the argument and the fix).
import { GaussfaceError } from './errors.js';

export type Float = Float32Array | Float64Array;

/** Anything the SDK accepts as a matrix: a Matrix, rows of numbers, or flat data with a shape. */
export type MatrixLike =
  | Matrix
  | ArrayLike<ArrayLike<number>>
  | { data: ArrayLike<number>; shape: readonly [number, number] }
  | { data: ArrayLike<number>; rows: number; cols: number };

/** Row-major `rows × cols` matrix; `data[i * cols + j]` is element (i, j). */
export class Matrix<T extends Float = Float> {
  readonly rows: number;
  readonly cols: number;
  readonly data: T;

  constructor(rows: number, cols: number, data: T) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0)
      throw new GaussfaceError(`Matrix: shape ${rows}×${cols} is not a pair of non-negative integers`, 'ESHAPE');
    if (data.length !== rows * cols)
      throw new GaussfaceError(`Matrix: data has ${data.length} values, a ${rows}×${cols} matrix needs ${rows * cols}`, 'ESHAPE');
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  /** A zero matrix (float32 unless asked). */
  static zeros(rows: number, cols: number, dtype: 'float32' | 'float64' = 'float32'): Matrix {
    return new Matrix(rows, cols, dtype === 'float32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols));
  }

  /** Element (i, j). */
  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  /** Row i as a view (no copy). */
  row(i: number): T {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols) as T;
  }

  /** Rows as plain arrays. */
  toArray(): number[][] {
    return Array.from({ length: this.rows }, (_, i) => Array.from(this.row(i)));
  }

  /** The data as float32 (the engine's storage type); no copy when it already is. */
  toFloat32(): Matrix<Float32Array> {
    return this.data instanceof Float32Array
      ? (this as unknown as Matrix<Float32Array>)
      : new Matrix(this.rows, this.cols, Float32Array.from(this.data));
  }
}

export interface AsMatrixOptions {
  /** Reject NaN and ±Infinity (default true). false where the rows go to a pool, whose workers check them. */
  finite?: boolean;
  /** Required number of columns. */
  cols?: number;
  /** Minimum number of rows. */
  minRows?: number;
}

/**
 * Turns user input into a float32 Matrix, or throws a GaussfaceError that names `name`, the problem and the fix.
 */
export function asMatrix(x: MatrixLike, name = 'X', opts: AsMatrixOptions = {}): Matrix<Float32Array> {
  const m = toMatrix(x, name).toFloat32();
  if (opts.cols !== undefined && m.cols !== opts.cols)
    throw new GaussfaceError(`${name} has ${m.cols} columns but ${opts.cols} were expected (the model was fitted on ${opts.cols} features)`, 'ESHAPE');
  if (opts.minRows !== undefined && m.rows < opts.minRows)
    throw new GaussfaceError(`${name} has ${m.rows} rows but at least ${opts.minRows} are needed`, 'ESHAPE');
  if (opts.finite !== false) {
    const bad = firstNonFinite(m.data);
    if (bad >= 0) {
      const [i, j] = [Math.floor(bad / m.cols), bad % m.cols];
      throw new GaussfaceError(
        `${name} contains ${m.data[bad]} at row ${i}, column ${j}: remove or impute missing/infinite values first`,
        'EINPUT',
      );
    }
  }
  return m;
}

function toMatrix(x: MatrixLike, name: string): Matrix {
  if (x instanceof Matrix) return x;
  if (x == null || typeof x !== 'object') throw new GaussfaceError(`${name} must be a matrix (rows of numbers, or { data, shape }), got ${x === null ? 'null' : typeof x}`, 'EINPUT');
  if ('data' in x && ('shape' in x || 'rows' in x)) {
    const [rows, cols] = 'shape' in x ? x.shape : [x.rows, x.cols];
    const data = x.data instanceof Float32Array || x.data instanceof Float64Array ? x.data : Float64Array.from(x.data);
    if (data.length !== rows * cols)
      throw new GaussfaceError(`${name}: data has ${data.length} values but its shape ${rows}×${cols} needs ${rows * cols}`, 'ESHAPE');
    return new Matrix(rows, cols, data);
  }
  const rowsArr = x as ArrayLike<ArrayLike<number>>;
  const rows = rowsArr.length;
  if (typeof rows !== 'number') throw new GaussfaceError(`${name} must be a matrix (rows of numbers, or { data, shape })`, 'EINPUT');
  const cols = rows ? rowsArr[0]?.length ?? -1 : 0;
  if (cols < 0) throw new GaussfaceError(`${name}: row 0 is not an array of numbers`, 'EINPUT');
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = rowsArr[i];
    if (!r || r.length !== cols)
      throw new GaussfaceError(`${name}: row ${i} has ${r?.length ?? 'no'} values, expected ${cols} (all rows must have the same length)`, 'ESHAPE');
    for (let j = 0; j < cols; j++) {
      const v = r[j];
      if (typeof v !== 'number') throw new GaussfaceError(`${name}: value at row ${i}, column ${j} is ${typeof v}, not a number`, 'EINPUT');
      data[i * cols + j] = v;
    }
  }
  return new Matrix(rows, cols, data);
}

function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** An array of any nesting (scikit-learn's `(K, d, d)` as nested lists), flat values, or `{ data, shape }`. */
export type TensorLike = ArrayLike<number> | ArrayLike<TensorLike> | { data: ArrayLike<number>; shape: readonly number[] };

/**
 * Flat float64 values of `x` in the row-major order of `shape`: nested arrays must have exactly that shape; flat
 * values (or `{ data, shape }` with any shape) must have as many values. Names `name` and the expected shape.
 */
export function asTensor(x: TensorLike, shape: readonly number[], name: string): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const want = `(${shape.join(', ')})`;
  const wrong = (what: string) => new GaussfaceError(`${what}; expected shape ${want} (or ${size} values flat)`, 'ESHAPE');
  if (x == null || typeof x !== 'object') throw new GaussfaceError(`${name} must be an array of numbers, got ${x === null ? 'null' : typeof x}`, 'EINPUT');
  const flat = 'data' in x && 'shape' in x ? x.data : x;
  const out = new Float64Array(size);
  let n = 0;
  const walk = (v: unknown, depth: number, where: string): void => {
    if (typeof v === 'number') {
      if (n >= size) throw wrong(`${name} has more than ${size} values`);
      out[n++] = v;
      return;
    }
    const a = v as ArrayLike<unknown>;
    if (v == null || typeof a.length !== 'number') throw new GaussfaceError(`${name}${where} is ${v === null ? 'null' : typeof v}, not a number or an array`, 'EINPUT');
    // Nested input must match the shape level by level; a flat list (depth 0, all numbers) only in total size.
    const nested = depth > 0 || (a.length > 0 && typeof a[0] !== 'number');
    if (nested && a.length !== shape[depth]) throw wrong(`${name}${where} has ${a.length} entries, not ${shape[depth] ?? 'a number'}`);
    for (let i = 0; i < a.length; i++) walk(a[i], depth + 1, `${where}[${i}]`);
  };
  walk(flat, 0, '');
  if (n !== size) throw wrong(`${name} has ${n} values`);
  return out;
}
