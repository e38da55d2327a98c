// Seeded fuzzing of everything gaussface reads from outside: model files of every kind (an image model with a
// full and a diagonal mixture, a VAE) mutated by byte flips, truncation, header numbers replaced with 0 / −1 /
// 2^53+1 / huge values, `__proto__` and inherited names, and corrupt PNG/JPEG bytes through the Node codec.
// Every case must either load and give finite output, or throw a GaussfaceError — no other error, no hang.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import { decodeSafetensors, GaussfaceError, GaussianMixture, ImageModel, PCA, shutdown, syntheticFaces, VAE } from '../dist/index.js';
import { nodeCodec } from '../dist/node.js';
import { rng } from './helpers/util.mjs';

const faces = syntheticFaces({ n: 48, size: 8, seed: 11 });
const pca = await new PCA({ nComponents: 4, randomState: 0 }).fit(faces.X);
const Z = await pca.transform(faces.X);
const imageModel = async (covarianceType) =>
  new ImageModel({ width: 8, height: 8, channels: 1 }, pca, await new GaussianMixture({ nComponents: 2, covarianceType, randomState: 0, onWarning: () => {} }).fit(Z)).toBytes();
const vae = await VAE.create({ config: { input: { channels: 1, height: 8, width: 8 }, encoder: [{ dense: 6 }], latent: 2 }, randomState: 1 });
const rows = { data: faces.X.data.subarray(0, 4 * 64), shape: [4, 64] };

// GAUSSFACE_FUZZ_ROUNDS=N runs longer (the suite: 30 files per mutation and kind, 4 per image kind and round;
// GAUSSFACE_FUZZ_VERBOSE=1 prints every error).
const ROUNDS = Number(process.env.GAUSSFACE_FUZZ_ROUNDS) || 30;
const allFinite = (a) => Array.prototype.every.call(a, Number.isFinite);
/** Loading a model and using it: the outputs a user would look at, each required finite. */
const KINDS = {
  'image model (full)': {
    bytes: await imageModel('full'),
    async use(b) {
      const m = ImageModel.fromBytes(b);
      const { images } = await m.sample(3, { randomState: 1 });
      assert.ok(allFinite(images.data), 'samples are finite');
      assert.ok(allFinite(await m.gmm.scoreSamples(await m.pca.transform(rows))), 'log-likelihoods are finite');
    },
  },
  'image model (diag)': { bytes: await imageModel('diag') },
  VAE: {
    bytes: vae.toBytes(),
    async use(b) {
      const v = await VAE.fromBytes(b);
      assert.ok(allFinite((await v.sample(2, { randomState: 1 })).X.data), 'samples are finite');
      assert.ok(Number.isFinite(await v.elbo(rows)), 'the ELBO is finite');
    },
  },
};
KINDS['image model (diag)'].use = KINDS['image model (full)'].use;

/** Runs `fn`; a GaussfaceError is an accepted outcome, anything else (or 10 s without an answer) fails. */
async function survives(fn, what) {
  let timer;
  const hang = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer after 10 s (a hang)`)), 10000)));
  try {
    await Promise.race([fn(), hang]);
    return 'ok';
  } catch (e) {
    if (e instanceof GaussfaceError && typeof e.code === 'string' && e.message) {
      if (process.env.GAUSSFACE_FUZZ_VERBOSE) console.log(`    ${what}: ${e.code} ${e.message.slice(0, 160)}`);
      return e.code;
    }
    throw new Error(`${what}: ${e?.name ?? typeof e} instead of a GaussfaceError: ${e?.message ?? e}`);
  } finally {
    clearTimeout(timer);
  }
}

// ---- mutations of a safetensors file -------------------------------------------------------------------------

const headerLength = (b) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
/** The file with its JSON header replaced by `json` (the data section kept as it is). */
function withHeader(b, json) {
  const text = new TextEncoder().encode(json);
  const data = b.subarray(8 + headerLength(b));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}
const headerOf = (b) => JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + headerLength(b))));

const HOSTILE_NUMBERS = [0, -1, 2 ** 53 + 1, 2 ** 31, 2 ** 32 + 4, 1e300, 0.5, -0];
const HOSTILE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__metadata__', ''];

/** Every path to a number in the header (shapes, offsets) and every metadata value. */
function leaves(h) {
  const out = [];
  for (const [name, t] of Object.entries(h)) {
    if (name === '__metadata__') for (const k of Object.keys(t)) out.push([t, k]);
    else for (const key of ['shape', 'data_offsets']) t[key].forEach((_, i) => out.push([t[key], i]));
  }
  return out;
}

const MUTATIONS = {
  flip(b, r) {
    const out = b.slice();
    const inHeader = r() < 0.5; // half of the flips hit the header, where most of the parsing is
    const span = inHeader ? 8 + headerLength(b) : out.length;
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--) out[Math.floor(r() * span)] = Math.floor(r() * 256);
    return out;
  },
  truncate: (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  number(b, r) {
    const h = headerOf(b);
    const all = leaves(h);
    const [parent, key] = all[Math.floor(r() * all.length)];
    const v = HOSTILE_NUMBERS[Math.floor(r() * HOSTILE_NUMBERS.length)];
    parent[key] = Array.isArray(parent) ? v : String(v); // metadata values stay strings, as the format says
    return withHeader(b, JSON.stringify(h));
  },
  hugeShape(b, r) {
    const h = headerOf(b);
    const names = Object.keys(h).filter((n) => n !== '__metadata__');
    const t = h[names[Math.floor(r() * names.length)]];
    t.shape = r() < 0.5 ? [2 ** 31, 2 ** 31] : [...t.shape, 2 ** 40];
    return withHeader(b, JSON.stringify(h));
  },
  names(b, r) {
    const h = headerOf(b);
    const bad = HOSTILE_NAMES[Math.floor(r() * HOSTILE_NAMES.length)];
    const names = Object.keys(h).filter((n) => n !== '__metadata__');
    const victim = names[Math.floor(r() * names.length)];
    const pick = Math.floor(r() * 4);
    // JSON text, so that "__proto__" becomes an own key as JSON.parse makes it, not an object's prototype.
    const entries = Object.entries(h).map(([k, v]) => {
      if (pick === 0 && k === victim) return [bad, v]; // a tensor renamed
      if (pick === 1 && k === victim) return [k, { ...v, dtype: bad }]; // an inherited dtype name
      if (pick === 2 && k === '__metadata__') return [k, { ...v, [bad || 'x']: 'y', format: bad }];
      return [k, v];
    });
    const json = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}${pick === 3 ? `,"__proto__":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}` : ''}}`;
    return withHeader(b, json);
  },
};

test('mutated model files of every kind load and give finite output, or throw a GaussfaceError', async () => {
  const r = rng(20260604);
  const outcomes = {};
  let cases = 0;
  for (const [kind, { bytes, use }] of Object.entries(KINDS)) {
    await use(bytes); // the unmutated file works
    for (const [name, mutate] of Object.entries(MUTATIONS))
      for (let i = 0; i < ROUNDS; i++) {
        const b = mutate(bytes, r);
        const code = await survives(() => use(b), `${kind}, ${name} #${i}`);
        outcomes[code] = (outcomes[code] ?? 0) + 1;
        cases++;
      }
  }
  console.log(`  ${cases} mutated model files: ${Object.entries(outcomes).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.ok(outcomes.EFORMAT > cases / 2, 'most mutations are caught as bad files');
});

test('a model file is also read from a Node Buffer view into a larger pool and from an ArrayBuffer, mutated or not', async () => {
  const r = rng(7);
  for (const [kind, { bytes, use }] of Object.entries(KINDS))
    for (let i = 0; i < 6; i++) {
      const b = i ? MUTATIONS.flip(bytes, r) : bytes;
      const pooled = Buffer.concat([Buffer.alloc(5), Buffer.from(b), Buffer.alloc(3)]).subarray(5, 5 + b.length);
      const [x, y] = [await survives(() => use(pooled), `${kind} Buffer #${i}`), await survives(() => use(b.slice().buffer), `${kind} ArrayBuffer #${i}`)];
      assert.is(x, y, `${kind} #${i}: a Buffer and an ArrayBuffer of the same bytes behave the same`);
      if (!i) assert.is(x, 'ok');
    }
});

// ---- corrupt images ----------------------------------------------------------------------------------------

test('corrupt PNG and JPEG bytes decode to pixels in [0, 1] or throw a GaussfaceError', async () => {
  const r = rng(99);
  const px = Buffer.from(Array.from({ length: 24 * 18 * 3 }, () => Math.floor(r() * 256)));
  const img = sharp(px, { raw: { width: 24, height: 18, channels: 3 } });
  const files = { png: await img.clone().png().toBuffer(), jpeg: await img.clone().jpeg().toBuffer(), progressive: await img.clone().jpeg({ progressive: true }).toBuffer() };
  const outcomes = {};
  for (const [kind, bytes] of Object.entries(files))
    for (let i = 0; i < 4 * ROUNDS; i++) {
      let b = bytes.slice();
      if (i % 3 === 0) b = b.subarray(0, Math.floor(r() * b.length));
      else for (let k = 1 + Math.floor(r() * 8); k > 0; k--) b[Math.floor(r() * (i % 3 === 1 ? Math.min(64, b.length) : b.length))] = Math.floor(r() * 256);
      const opts = [{}, { size: 8 }, { width: 5, height: 9, channels: 3, fit: 'contain', crop: 0.7 }][i % 3];
      const code = await survives(async () => {
        const out = await nodeCodec.decode(b, opts);
        assert.ok(out.data.length === out.width * out.height * out.channels && out.data.every((v) => v >= 0 && v <= 1), 'pixels in [0, 1]');
      }, `${kind} #${i}`);
      outcomes[code] = (outcomes[code] ?? 0) + 1;
    }
  console.log(`  ${12 * ROUNDS} corrupt images: ${Object.entries(outcomes).map(([k, n]) => `${k} ${n}`).join(', ')}`);
});

test.after(() => shutdown());
test.run();
