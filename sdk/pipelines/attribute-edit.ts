// Attribute edits in a latent space, and their measurement: does adding a direction to a face's code make a
// classifier that never saw the direction see the attribute, and is the face still the same person (its
// re-encoded code's nearest neighbour among the faces' codes is its own)? Works for any encoder/decoder pair —
// a VAE (posterior means), a PCA (transform / inverseTransform) — so edits in different latent spaces compare.
import { GaussfaceError } from '../errors.js';
import { LogisticRegression } from '../logistic.js';
import { asMatrix, Matrix, type MatrixLike } from '../matrix.js';
import { nearestNeighbours } from '../neighbours.js';

type Codes = Matrix<Float32Array> | { mu: Matrix<Float32Array> };

/** Images to codes and back: a VAE as it is, a PCA as `{ encode: (X) => pca.transform(X), decode: (Z) => pca.inverseTransform(Z) }`. */
export interface EditCodec {
  encode(X: Matrix<Float32Array>): Promise<Codes>;
  decode(Z: Matrix<Float32Array>): Promise<Matrix<Float32Array>>;
}

export interface AttributeEditOptions {
  /** Multiples of the direction to add (0 = the plain reconstruction: the classifier's baseline rate). */
  strengths: number[];
  /** P(attribute) for each row of a matrix of images (pixels clipped to [0, 1]). */
  classify: (images: Matrix<Float32Array>) => ArrayLike<number> | Promise<ArrayLike<number>>;
  /** Rows of `faces` to edit (default: all); every row of `faces` is a candidate for the identity check. */
  rows?: ArrayLike<number>;
  /** The encoder whose latent space judges identity (default: the codec's own). */
  identity?: Pick<EditCodec, 'encode'>;
}

export interface AttributeEditRow {
  strength: number;
  /** Fraction of the edited faces the classifier gives the attribute (P > ½). */
  attributeRate: number;
  /** Mean P(attribute) over the edited faces. */
  meanProbability: number;
  /** Fraction of the edited faces whose re-encoded code's nearest neighbour among all faces' codes is their own. */
  identityKept: number;
}

const means = async (c: Pick<EditCodec, 'encode'>, X: Matrix<Float32Array>) => {
  const z = await c.encode(X);
  return z instanceof Matrix ? z : z.mu;
};

/**
 * Edits `faces[rows]` at every strength (code + strength·direction, decoded) and measures each strength: how many
 * edited faces `classify` gives the attribute, and how many are still nearest to their own face.
 */
export async function measureAttributeEdit(codec: EditCodec, faces: MatrixLike, direction: ArrayLike<number>, opts: AttributeEditOptions): Promise<AttributeEditRow[]> {
  const X = asMatrix(faces, 'faces', { minRows: 1 });
  const rows = Array.from(opts.rows ?? { length: X.rows }, (r, i) => (opts.rows ? r : i));
  if (rows.some((r) => !Number.isInteger(r) || r < 0 || r >= X.rows)) throw new GaussfaceError(`measureAttributeEdit: rows must be indices below ${X.rows} (the faces)`, 'EINPUT');
  if (!opts.strengths?.length || !opts.strengths.every(Number.isFinite)) throw new GaussfaceError('measureAttributeEdit: strengths must be a non-empty list of finite numbers', 'EINPUT');
  const Z = await means(codec, X);
  const L = Z.cols;
  if (direction.length !== L) throw new GaussfaceError(`measureAttributeEdit: the direction has ${direction.length} values, the codes ${L}`, 'ESHAPE');
  const identity = opts.identity ?? codec;
  const reference = identity === codec ? Z : await means(identity, X);
  const out: AttributeEditRow[] = [];
  for (const strength of opts.strengths) {
    const edited = new Matrix(rows.length, L, new Float32Array(rows.length * L));
    rows.forEach((r, k) => {
      for (let c = 0; c < L; c++) edited.data[k * L + c] = Z.data[r * L + c] + strength * direction[c];
    });
    const images = await codec.decode(edited);
    for (let i = 0; i < images.data.length; i++) images.data[i] = Math.min(1, Math.max(0, images.data[i])); // as shown
    const p = await opts.classify(images);
    if (p.length !== rows.length) throw new GaussfaceError(`measureAttributeEdit: classify returned ${p.length} values for ${rows.length} images`, 'ESHAPE');
    const nn = await nearestNeighbours(await means(identity, images), reference);
    let [hits, sum, kept] = [0, 0, 0];
    rows.forEach((r, k) => {
      if (p[k] > 0.5) hits++;
      sum += p[k];
      if (nn.index[k] === r) kept++;
    });
    out.push({ strength, attributeRate: hits / rows.length, meanProbability: sum / rows.length, identityKept: kept / rows.length });
  }
  return out;
}

/** How a direction between two groups of codes is found and how long it is. */
export interface DirectionOptions {
  /**
   * 'mean' (default): mean code with the attribute minus mean code without it; 'logistic': the weights of an
   * L2 logistic regression on the codes (`C`, default 1), which discounts what varies along with the attribute.
   */
  method?: 'mean' | 'logistic';
  C?: number;
  /**
   * 'unit' (default): length 1; 'spread': the standard deviation of the codes' projections onto the direction,
   * so that strength 1 moves a face by one typical step of the attribute's own axis whatever the latent scale.
   */
  scale?: 'unit' | 'spread';
  /**
   * Directions to remove from the result (it is made orthogonal to all of them), e.g. those of attributes that
   * go along with this one in the data but belong to the person (sex, make-up, hair colour), so that the edit
   * changes less of who the face is.
   */
  orthogonalTo?: ArrayLike<number>[];
}

/** A latent direction from codes without an attribute (label 0 or −1) towards codes with it (label 1 or > 0). */
export async function attributeDirection(codes: MatrixLike, labels: ArrayLike<number>, opts: DirectionOptions = {}): Promise<Float32Array> {
  const Z = asMatrix(codes, 'codes', { minRows: 2 });
  const [n, L] = [Z.rows, Z.cols];
  if (labels.length !== n) throw new GaussfaceError(`attribute direction: ${labels.length} labels for ${n} codes`, 'ESHAPE');
  const { method = 'mean', scale = 'unit' } = opts;
  if (method !== 'mean' && method !== 'logistic') throw new GaussfaceError(`attribute direction: method must be 'mean' or 'logistic', got '${method}'`, 'EINPUT');
  if (scale !== 'unit' && scale !== 'spread') throw new GaussfaceError(`attribute direction: scale must be 'unit' or 'spread', got '${scale}'`, 'EINPUT');
  let v: Float64Array;
  if (method === 'mean') {
    const [pos, neg] = [new Float64Array(L), new Float64Array(L)];
    let [np, nn] = [0, 0];
    for (let i = 0; i < n; i++) {
      const into = labels[i] > 0 ? pos : neg;
      for (let c = 0; c < L; c++) into[c] += Z.data[i * L + c];
      if (labels[i] > 0) np++;
      else nn++;
    }
    if (!np || !nn) throw new GaussfaceError('attribute direction: needs codes with the attribute (label 1) and without it (label 0 or −1)', 'EINPUT');
    v = Float64Array.from(pos, (p, c) => p / np - neg[c] / nn);
  } else v = (await new LogisticRegression({ C: opts.C ?? 1 }).fit(Z, labels)).coef;
  // Gram–Schmidt: an orthonormal basis of the excluded directions, then v minus its projection on it.
  const basis: Float64Array[] = [];
  for (const u of opts.orthogonalTo ?? []) {
    if (u.length !== L) throw new GaussfaceError(`attribute direction: a direction in orthogonalTo has ${u.length} values, the codes ${L}`, 'ESHAPE');
    const b = Float64Array.from(u);
    for (const e of basis) {
      const d = b.reduce((s, x, c) => s + x * e[c], 0);
      b.forEach((x, c) => (b[c] = x - d * e[c]));
    }
    const n = Math.hypot(...b);
    if (n > 1e-9) basis.push(b.map((x) => x / n));
  }
  for (const e of basis) {
    const d = v.reduce((s, x, c) => s + x * e[c], 0);
    v.forEach((x, c) => (v[c] = x - d * e[c]));
  }
  const len = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  let size = 1;
  if (scale === 'spread') {
    const proj = Float64Array.from({ length: n }, (_, i) => Z.row(i).reduce((s, x, c) => s + (x * v[c]) / len, 0));
    const mean = proj.reduce((s, x) => s + x, 0) / n;
    size = Math.sqrt(proj.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  }
  return Float32Array.from(v, (x) => (x / len) * size);
}
