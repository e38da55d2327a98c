// A built-in procedural face data set, so that the main job and the tests run offline with no files: simple
// shaded cartoon faces whose attributes (smiling, glasses, face shape, skin tone, lighting, hair) are known.
// Deterministic from the seed (integer PRNG; the same faces in every runtime).
import { GaussfaceError } from './errors.js';
import { Matrix } from './matrix.js';

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

function drawFace(f: Face, x: number, y: number, px: number): [number, number] {
  // Face coordinates: centred, scaled; returns [shade 0..1, skin mask].
  const u = (x - f.dx) / f.scale;
  const v = (y - f.dy) / f.scale;
  const rx = 0.5 * f.width;
  const ry = 0.68;
  const e = Math.hypot(u / rx, v / ry);
  const head = inside((e - 1) * Math.min(rx, ry), px);
  const skin = 0.45 + 0.4 * f.tone;
  const lit = 1 + 0.28 * f.light * (u / rx) - 0.18 * e * e;
  let c = skin * lit;
  // Hair: the top of the head above a wavy hairline, slightly wider than the face.
  const hairTop = inside((Math.hypot(u / (rx * 1.08), (v + 0.04) / (ry * 1.06)) - 1) * rx, px) * inside(v - (f.hairline + 0.05 * Math.sin(u * 9)), px);
  c = c * (1 - hairTop) + (0.08 + 0.3 * (1 - f.hair)) * hairTop;
  // Eyes, brows.
  for (const s of [-1, 1]) {
    const ex = s * f.eyeGap;
    const eye = inside((Math.hypot((u - ex) / 0.075, (v + 0.06) / 0.042) - 1) * 0.042, px);
    const pupil = inside(Math.hypot(u - ex, v + 0.06) - 0.022, px);
    c = c * (1 - eye) + 0.92 * eye;
    c = c * (1 - pupil) + 0.1 * pupil;
    const brow = inside(Math.abs(v + 0.16 + 0.02 * Math.cos((u - ex) * 12)) - 0.014, px) * inside(Math.abs(u - ex) - 0.08, px);
    c = c * (1 - brow) + 0.15 * brow;
    if (f.glasses) {
      const ring = inside(Math.abs(Math.hypot(u - ex, v + 0.06) - 0.115) - 0.014, px);
      c = c * (1 - ring) + 0.06 * ring;
    }
  }
  if (f.glasses) {
    const bridge = inside(Math.abs(v + 0.07) - 0.012, px) * inside(Math.abs(u) - (f.eyeGap - 0.11), px);
    c = c * (1 - bridge) + 0.06 * bridge;
  }
  // Nose: a soft shadow on the side away from the light.
  c -= 0.08 * inside(Math.hypot((u + 0.03 * f.light) / 0.03, (v - 0.1) / 0.1) - 1, 0.5) * head;
  // Mouth: a curve, upturned and wider when smiling.
  const curve = f.smiling ? 6 : -1;
  const mw = f.mouthWidth * (f.smiling ? 1.25 : 1);
  const mouth = inside(Math.abs(v - (0.31 + curve * (mw * mw - u * u) * 0.5)) - 0.018, px) * inside(Math.abs(u) - mw, px);
  c = c * (1 - mouth) + 0.22 * mouth;
  return [c, head];
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
    const tint = [1.08, 0.97, 0.86]; // skin is warmer than the grey background in colour
    for (let r = 0; r < size; r++)
      for (let col = 0; col < size; col++) {
        const x = ((col + 0.5) / size) * 2 - 1;
        const y = ((r + 0.5) / size) * 2 - 1;
        const [shade, head] = drawFace(f, x, y, px);
        const bg = background - 0.1 * y;
        for (let ch = 0; ch < channels; ch++) {
          const skinShade = channels === 3 ? shade * tint[ch] : shade;
          const value = bg * (1 - head) + skinShade * head;
          X[((i * size + r) * size + col) * channels + ch] = Math.min(1, Math.max(0, value));
        }
      }
  }
  return {
    X: new Matrix(n, size * size * channels, X),
    attributes: { names: FACE_ATTRIBUTES, values: new Matrix(n, FACE_ATTRIBUTES.length, attrs) },
    size,
    channels,
  };
}
