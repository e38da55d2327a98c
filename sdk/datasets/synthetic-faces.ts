// A built-in procedural face data set, so that the main job and the tests run offline with no files: simple
// shaded cartoon faces whose attributes (smiling, glasses, face shape, skin tone, lighting, hair) are known.
// Deterministic from the seed (integer PRNG and exact arithmetic: the same bytes in every runtime).
import { GaussfaceError } from '../errors.js';
import { Matrix } from '../matrix.js';

export const FACE_ATTRIBUTES = ['smiling', 'glasses', 'faceWidth', 'skinTone', 'lighting', 'hairDark'] as const;

export interface SyntheticFacesOptions {
  /** Number of faces (default 500). */
  n?: number;
  /** Side of the square images in pixels (default 64). */
  size?: number;
  /** 1 (grayscale, default) or 3 (RGB). */
  channels?: 1 | 3;
  /** Seed (default 0). */
  seed?: number;
}

export interface SyntheticFaces {
  /** n × size·size·channels pixels in [0, 1], row-major HWC. */
  X: Matrix<Float32Array>;
  /** Attribute values per face (n × 6, float32): smiling and glasses are 0/1, the others in [0, 1]. */
  attributes: { names: readonly string[]; values: Matrix<Float32Array> };
  size: number;
  channels: 1 | 3;
}

/** mulberry32: a tiny integer PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Only + − × ÷ and √ (correctly rounded everywhere): Math.hypot/sin/cos may differ in the last bit between
// JavaScript engines, and the faces must be the same bytes in every runtime.
const len = (x: number, y: number) => Math.sqrt(x * x + y * y);
/** A smooth sine-like wave (Bhaskara I's approximation), exact arithmetic only. */
function sine(t: number): number {
  const x = t - 2 * Math.PI * Math.round(t / (2 * Math.PI)); // in [−π, π]
  const a = Math.abs(x) * (Math.PI - Math.abs(x));
  return (Math.sign(x) * 16 * a) / (5 * Math.PI * Math.PI - 4 * a);
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

const smooth = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Coverage of a soft shape whose signed distance (negative inside) is `sd`, antialiased over `px`. */
const inside = (sd: number, px: number) => 1 - smooth(-px, px, sd);

interface Face {
  smiling: number;
  glasses: number;
  width: number;
  tone: number;
  light: number;
  hair: number;
  dx: number;
  dy: number;
  scale: number;
  eyeGap: number;
  mouthWidth: number;
  hairline: number;
}

/** Colours of the RGB rendering only (drawn from their own stream, so gray faces do not depend on them). */
interface Palette {
  skin: Rgb;
  hair: Rgb;
  iris: Rgb;
  background: Rgb;
}

type Rgb = [number, number, number];
/** A pixel being painted: gray and red, green, blue side by side. */
type Paint = [number, number, number, number];

const lerp = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((k) => a[k] + (b[k] - a[k]) * t) as Rgb;

function palette(f: Face, rand: () => number): Palette {
  const [h, i, b] = [rand(), rand(), rand()];
  const hairLight = lerp([0.55, 0.38, 0.2], [0.62, 0.3, 0.14], h); // brown to auburn
  return {
    skin: lerp([0.42, 0.28, 0.2], [0.98, 0.84, 0.72], f.tone),
    hair: lerp([0.07, 0.05, 0.04], hairLight, 1 - f.hair),
    iris: i < 0.4 ? [0.3, 0.18, 0.08] : i < 0.7 ? [0.2, 0.35, 0.55] : [0.25, 0.4, 0.25],
    background: lerp([0.85, 0.9, 1], [1, 0.93, 0.85], b),
  };
}

/** Paints `value` (gray) / `colour` (RGB) over `p` with coverage `a`. */
function over(p: Paint, a: number, value: number, colour: Rgb): void {
  if (a <= 0) return;
  p[0] = p[0] * (1 - a) + value * a;
  for (let k = 0; k < 3; k++) p[k + 1] = p[k + 1] * (1 - a) + colour[k] * a;
}

const DARK: Rgb = [0.06, 0.06, 0.08];
const EYE_WHITE: Rgb = [0.95, 0.95, 0.93];
const LIPS: Rgb = [0.62, 0.22, 0.24];

/** The face at (x, y) in [-1, 1]²: paints `p` and returns the head's coverage. */
function drawFace(f: Face, pal: Palette, x: number, y: number, px: number, p: Paint): number {
  const u = (x - f.dx) / f.scale;
  const v = (y - f.dy) / f.scale;
  const rx = 0.5 * f.width;
  const ry = 0.68;
  const e = len(u / rx, v / ry);
  const head = inside((e - 1) * Math.min(rx, ry), px);
  const lit = 1 + 0.28 * f.light * (u / rx) - 0.18 * e * e;
  p[0] = (0.45 + 0.4 * f.tone) * lit;
  for (let k = 0; k < 3; k++) p[k + 1] = pal.skin[k] * lit;
  // Hair: the top of the head above a wavy hairline, slightly wider than the face.
  const hairTop = inside((len(u / (rx * 1.08), (v + 0.04) / (ry * 1.06)) - 1) * rx, px) * inside(v - (f.hairline + 0.05 * sine(u * 9)), px);
  over(p, hairTop, 0.08 + 0.3 * (1 - f.hair), pal.hair);
  // Eyes, brows.
  for (const s of [-1, 1]) {
    const ex = s * f.eyeGap;
    over(p, inside((len((u - ex) / 0.075, (v + 0.06) / 0.042) - 1) * 0.042, px), 0.92, EYE_WHITE);
    over(p, inside(len(u - ex, v + 0.06) - 0.022, px), 0.1, pal.iris);
    over(p, inside(Math.abs(v + 0.16 + 0.02 * sine((u - ex) * 12 + Math.PI / 2)) - 0.014, px) * inside(Math.abs(u - ex) - 0.08, px), 0.15, lerp(pal.hair, DARK, 0.5));
    if (f.glasses) over(p, inside(Math.abs(len(u - ex, v + 0.06) - 0.115) - 0.014, px), 0.06, DARK);
  }
  if (f.glasses) over(p, inside(Math.abs(v + 0.07) - 0.012, px) * inside(Math.abs(u) - (f.eyeGap - 0.11), px), 0.06, DARK);
  // Nose: a soft shadow on the side away from the light.
  const nose = 0.08 * inside(len((u + 0.03 * f.light) / 0.03, (v - 0.1) / 0.1) - 1, 0.5) * head;
  for (let k = 0; k < 4; k++) p[k] -= nose;
  // Mouth: a curve, upturned and wider when smiling.
  const curve = f.smiling ? 6 : -1;
  const mw = f.mouthWidth * (f.smiling ? 1.25 : 1);
  over(p, inside(Math.abs(v - (0.31 + curve * (mw * mw - u * u) * 0.5)) - 0.018, px) * inside(Math.abs(u) - mw, px), 0.22, LIPS);
  return head;
}

/**
 * Generates `n` cartoon faces with known attributes.
 *
 * ```js
 * import { syntheticFaces } from 'gaussface';
 * const { X, attributes } = syntheticFaces({ n: 200, seed: 1 }); // X: 200 × 4096
 * ```
 */
export function syntheticFaces(opts: SyntheticFacesOptions = {}): SyntheticFaces {
  const { n = 500, size = 64, channels = 1, seed = 0 } = opts;
  if (!Number.isInteger(n) || n < 1) throw new GaussfaceError(`syntheticFaces: n must be an integer ≥ 1, got ${n}`, 'EINPUT');
  if (!Number.isInteger(size) || size < 8 || size > 1024) throw new GaussfaceError(`syntheticFaces: size must be an integer from 8 to 1024, got ${size}`, 'EINPUT');
  if (channels !== 1 && channels !== 3) throw new GaussfaceError(`syntheticFaces: channels must be 1 or 3, got ${channels}`, 'EINPUT');
  const rand = prng(seed * 2654435761 + 1);
  const colours = prng(seed * 2654435761 + 0x5bd1e995);
  const p: Paint = [0, 0, 0, 0];
  const X = new Float32Array(n * size * size * channels);
  const attrs = new Float32Array(n * FACE_ATTRIBUTES.length);
  const px = 2 / size;
  for (let i = 0; i < n; i++) {
    const f: Face = {
      smiling: rand() < 0.5 ? 1 : 0,
      glasses: rand() < 0.3 ? 1 : 0,
      width: 0.85 + 0.3 * rand(),
      tone: rand(),
      light: 2 * rand() - 1,
      hair: rand(),
      dx: 0.06 * (rand() - 0.5),
      dy: 0.06 * (rand() - 0.5),
      scale: 0.95 + 0.1 * rand(),
      eyeGap: 0.19 + 0.05 * rand(),
      mouthWidth: 0.13 + 0.05 * rand(),
      hairline: -0.36 + 0.12 * rand(),
    };
    attrs.set([f.smiling, f.glasses, (f.width - 0.85) / 0.3, f.tone, (f.light + 1) / 2, f.hair], i * FACE_ATTRIBUTES.length);
    const background = 0.75 + 0.2 * rand();
    const pal = palette(f, colours);
    for (let r = 0; r < size; r++)
      for (let col = 0; col < size; col++) {
        const x = ((col + 0.5) / size) * 2 - 1;
        const y = ((r + 0.5) / size) * 2 - 1;
        const head = drawFace(f, pal, x, y, px, p);
        const bg = background - 0.1 * y;
        const at = ((i * size + r) * size + col) * channels;
        if (channels === 1) X[at] = clamp01(bg * (1 - head) + p[0] * head);
        else for (let k = 0; k < 3; k++) X[at + k] = clamp01(bg * pal.background[k] * (1 - head) + p[k + 1] * head);
      }
  }
  return {
    X: new Matrix(n, size * size * channels, X),
    attributes: { names: FACE_ATTRIBUTES, values: new Matrix(n, FACE_ATTRIBUTES.length, attrs) },
    size,
    channels,
  };
}
