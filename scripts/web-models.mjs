// The gallery's model files, made with the SDK from the built-in cartoon faces (no data set, a few seconds):
// faces.safetensors (PCA + mixture, k by BIC, with the training faces for "nearest training face"),
// vae.safetensors (a small VAE with the 'smiling' and 'glasses' directions stored) and drawing.png (line art for
// the point-cloud widget).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeSafetensors, encodeSafetensors, FACE_ATTRIBUTES, generate, ImageModel, shutdown, syntheticFaces, VAE } from '../dist/index.js';

/**
 * An image model file that also carries its training faces: `train.images` (U8 [n, pixels]) and `train.codes`
 * (F32 [n, PCA components]) — what <gaussface-faces> needs to show the nearest training face.
 */
export async function withTrainingFaces(model, X) {
  const { tensors, metadata } = decodeSafetensors(model.toBytes());
  const codes = await model.pca.transform(X);
  const images = Uint8Array.from(X.data, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
  const plain = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
  return encodeSafetensors({ ...plain, 'train.images': { shape: [X.rows, X.cols], data: images }, 'train.codes': { shape: [codes.rows, codes.cols], data: codes.data } }, metadata);
}

/** The built-in faces' mixture model (size × size gray), as a file with its training faces. */
export async function facesModel({ n = 600, size = 32, seed = 0 } = {}) {
  const { X } = syntheticFaces({ n, size, seed });
  const r = await generate(X, { nSamples: 1, randomState: seed });
  const model = new ImageModel({ width: size, height: size, channels: 1 }, r.pca, r.model, { data: `built-in faces (${n}, seed ${seed})` });
  return { bytes: await withTrainingFaces(model, X), model };
}

/** A small dense VAE trained on the built-in faces for a few seconds, with attribute directions stored. */
export async function vaeModel({ n = 800, size = 32, seed = 0, epochs = 30 } = {}) {
  const { X, attributes } = syntheticFaces({ n, size, seed });
  // One hidden layer and 8 latent units: the file (weights and Adam state) stays about 3 MB.
  const vae = await VAE.create({ config: { input: { channels: 1, height: size, width: size }, encoder: [{ dense: 128 }], latent: 8 }, randomState: seed });
  await vae.fit(X, { epochs, batchSize: 64, lr: 3e-3 });
  vae.info = { data: `built-in faces (${n}, seed ${seed})` };
  for (const name of ['smiling', 'glasses']) {
    const col = FACE_ATTRIBUTES.indexOf(name);
    vae.setAttribute(name, await vae.attributeVector(X, Array.from({ length: X.rows }, (_, i) => attributes.values.get(i, col))));
  }
  return { bytes: vae.toBytes(), vae };
}

/** Line art (256 × 256 PNG, dark strokes on white): a cat's face. */
export function drawingPng() {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
    <rect width="256" height="256" fill="white"/>
    <g fill="none" stroke="black" stroke-width="7" stroke-linecap="round" stroke-linejoin="round">
      <path d="M48 110 L58 36 L104 78 Q128 70 152 78 L198 36 L208 110 Q222 200 128 214 Q34 200 48 110 Z"/>
      <ellipse cx="98" cy="122" rx="15" ry="11"/><ellipse cx="158" cy="122" rx="15" ry="11"/>
      <path d="M118 152 L138 152 L128 164 Z"/><path d="M128 164 Q118 180 104 176 M128 164 Q138 180 152 176"/>
      <path d="M96 160 L36 150 M96 168 L34 176 M160 160 L220 150 M160 168 L222 176"/>
    </g><g fill="black"><circle cx="98" cy="122" r="5"/><circle cx="158" cy="122" r="5"/></g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Writes the three gallery files into dir; returns what was made. */
export async function makeGalleryModels(dir) {
  const t0 = performance.now();
  const faces = await facesModel();
  writeFileSync(join(dir, 'faces.safetensors'), faces.bytes);
  const t1 = performance.now();
  const vae = await vaeModel();
  writeFileSync(join(dir, 'vae.safetensors'), vae.bytes);
  writeFileSync(join(dir, 'drawing.png'), await drawingPng());
  const t2 = performance.now();
  console.log(`models → ${dir}/: faces.safetensors (${faces.model.gmm.nComponents} Gaussians, ${(faces.bytes.length / 1024).toFixed(0)} kB, ${((t1 - t0) / 1000).toFixed(1)} s), vae.safetensors (loss ${vae.vae.history.at(-1).toFixed(1)}, ${(vae.bytes.length / 1024).toFixed(0)} kB, ${((t2 - t1) / 1000).toFixed(1)} s), drawing.png`);
  await shutdown();
}
