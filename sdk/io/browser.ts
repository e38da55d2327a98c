// The browser image codec (also in workers): createImageBitmap decodes, OffscreenCanvas reads the pixels and
// writes PNG. Colour-space conversion is off, so the bytes are the file's, as sharp and Pillow read them.
import { GaussfaceError } from '../errors.js';
import { makeCodec, type Caption, type ImageCodec } from './codec.js';
import type { Pixels } from './pixels.js';

function canvas(width: number, height: number): OffscreenCanvas {
  const g = globalThis as any;
  if (typeof g.createImageBitmap !== 'function' || typeof g.OffscreenCanvas !== 'function')
    throw new GaussfaceError('this runtime has no createImageBitmap/OffscreenCanvas; in Node use nodeCodec from gaussface/node', 'EINPUT');
  return new g.OffscreenCanvas(width, height);
}

async function decodeRaw(bytes: Uint8Array): Promise<Pixels> {
  canvas(1, 1); // fails early, with the message above, where there is no canvas
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new GaussfaceError(`cannot decode image: ${(e as Error).message}`, 'EINPUT');
  }
  const { width, height } = bitmap;
  const ctx = canvas(width, height).getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(rgba.subarray(4 * p, 4 * p + 3), 3 * p);
  return { data, width, height, channels: 3 };
}

async function encodePng(px: Pixels, captions: Caption[]): Promise<Uint8Array> {
  const { data, width, height, channels } = px;
  const c = canvas(width, height);
  const ctx = c.getContext('2d')!;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) rgba[4 * p + k] = data[p * channels + (channels === 1 ? 0 : k)];
    rgba[4 * p + 3] = 255;
  }
  ctx.putImageData(new ImageData(rgba, width, height), 0, 0);
  ctx.fillStyle = 'black';
  ctx.textAlign = 'center';
  for (const { text, x, y, size } of captions) {
    ctx.font = `${size}px sans-serif`;
    ctx.fillText(text, x, y);
  }
  return new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

/** The browser codec: the same rows as gaussface/node's nodeCodec for the same files. */
export const browserCodec: ImageCodec = makeCodec({ decodeRaw, encodePng });
