// The Node image codec: sharp (libvips) decodes files to 8-bit pixels and writes PNG; captions are SVG text
// composited on top. sharp is an optional dependency, loaded on the first image: the rest of gaussface/node
// (files, downloads, .mat readers) works without it.
import type Sharp from 'sharp';
import { GaussfaceError } from '../errors.js';
import { makeCodec, type Caption, type ImageCodec } from './codec.js';
import type { Pixels } from './pixels.js';

let loaded: Promise<typeof Sharp> | undefined;

/** sharp, imported once; its absence is a GaussfaceError (EMISSING) that says how to install it. */
export function loadSharp(): Promise<typeof Sharp> {
  loaded ??= import('sharp').then(
    (m) => {
      // Every file is decoded once: libvips' operation cache (up to 50 MB) would only hold memory.
      m.default.cache(false);
      return m.default;
    },
    (e) => {
      loaded = undefined; // installed later in a long-lived process: try again next time
      throw new GaussfaceError(`install sharp to read images in Node: npm install sharp (an optional dependency of gaussface; it could not be loaded: ${(e as Error).message.split('\n')[0]})`, 'EMISSING');
    },
  );
  return loaded;
}

async function decodeRaw(bytes: Uint8Array): Promise<Pixels> {
  const sharp = await loadSharp();
  try {
    const img = sharp(bytes, { failOn: 'error' });
    const { channels } = await img.metadata();
    // Gray files stay one channel (alpha dropped); everything else becomes 8-bit sRGB.
    const gray = channels !== undefined && channels <= 2;
    const { data, info } = await img.removeAlpha().toColourspace(gray ? 'b-w' : 'srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: gray ? 1 : 3 };
  } catch (e) {
    throw new GaussfaceError(`cannot decode image: ${whyUndecodable((e as Error).message)}`, 'EINPUT');
  }
}

/**
 * libvips' reason in words a user can act on. Its messages are terse ("premature end of JPEG image"), and with
 * several decodes at once its shared error buffer is often empty, which sharp reports as "Unknown error".
 */
function whyUndecodable(message: string): string {
  const detail = message.split('\n')[0].replace(/^Input buffer has corrupt header:\s*/, '').trim();
  if (/unsupported image format/i.test(detail)) return 'not an image format gaussface reads (PNG, JPEG, WebP, GIF or TIFF)';
  return `the file is truncated or corrupt${detail && detail !== 'Unknown error' ? ` (${detail})` : ''}`;
}

const escapeXml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function encodePng(px: Pixels, captions: Caption[]): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const { data, width, height, channels } = px;
  let img = sharp(data, { raw: { width, height, channels } });
  if (captions.length) {
    const text = captions.map((c) => `<text x="${c.x}" y="${c.y}" font-family="sans-serif" font-size="${c.size}" text-anchor="middle">${escapeXml(c.text)}</text>`).join('');
    const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text}</svg>`);
    // Composited output gains an alpha channel: flatten it in a second pass.
    img = sharp(await img.composite([{ input: svg, left: 0, top: 0 }]).png().toBuffer()).removeAlpha();
  }
  return new Uint8Array(await img.toColourspace(channels === 1 ? 'b-w' : 'srgb').png().toBuffer());
}

/**
 * The Node codec (sharp), with the browser codec's interface and the same rows for the same files.
 *
 * ```js
 * import { readFileSync } from 'node:fs';
 * import { nodeCodec } from 'gaussface/node';
 * const face = await nodeCodec.decode(readFileSync('face.jpg'), { size: 64, channels: 1 }); // face.data: 4096 floats
 * const png = await nodeCodec.encodePng(face);
 * ```
 */
export const nodeCodec: ImageCodec = makeCodec({ decodeRaw, encodePng });
