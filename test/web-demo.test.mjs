// The embeddable demo in headless Chromium, without cross-origin isolation (as in a blog post's iframe):
// clicking "Learn faces" fits the model in the page and draws new faces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withChromiumPage } from './runtime/run-chromium.mjs';

test('<gaussface-demo> learns the built-in faces and draws samples', async () => {
  const shot = process.env.GAUSSFACE_SCREENSHOT;
  const r = await withChromiumPage('web-demo/index.html', {}, async (tab) => {
    await tab.locator('gaussface-demo').locator('#go').click();
    await tab.waitForFunction(() => document.querySelector('gaussface-demo').dataset.state === 'done', null, { timeout: 60000 });
    if (shot) await tab.screenshot({ path: shot, fullPage: true });
    return tab.evaluate(() => {
      const root = document.querySelector('gaussface-demo').shadowRoot;
      const c = root.getElementById('samples');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let min = 255, max = 0;
      for (let i = 0; i < px.length; i += 4) [min, max] = [Math.min(min, px[i]), Math.max(max, px[i])];
      return { w: c.width, h: c.height, min, max, status: root.getElementById('status').textContent, chart: !!root.querySelector('#chart svg') };
    });
  });
  assert.is(r.w, 8 * 32);
  assert.is(r.h, 2 * 32);
  assert.ok(r.max - r.min > 100, 'the samples have contrast');
  assert.ok(r.chart, 'BIC chart drawn');
  assert.match(r.status, /Gaussians \(BIC\)/);
});

test('embedded from another origin (a blog post loading the script from the project\'s site), the demo still runs its workers', async () => {
  const { serve } = await import('./runtime/serve.mjs');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { resolve } = await import('node:path');
  const site = await serve(resolve(new URL('..', import.meta.url).pathname), { cors: true });
  const blog = mkdtempSync(join(tmpdir(), 'gaussface-blog-'));
  writeFileSync(join(blog, 'post.html'), `<!doctype html><meta charset="utf-8"><p>My post</p><gaussface-demo size="24" faces="150"></gaussface-demo><script type="module" src="${site.url}/dist/web-demo.js"></script>`);
  const blogServer = await serve(blog);
  try {
    const { launchChromium } = await import('./runtime/run-chromium.mjs');
    const browser = await launchChromium();
    try {
      const tab = await browser.context.newPage();
      const errors = [];
      tab.on('pageerror', (e) => errors.push(String(e)));
      await tab.goto(`${blogServer.url}/post.html`);
      await tab.locator('gaussface-demo').locator('#go').click();
      await tab.waitForFunction(() => document.querySelector('gaussface-demo').dataset.state === 'done', null, { timeout: 60000 });
      assert.equal(errors, []);
    } finally {
      await browser.close();
    }
  } finally {
    await blogServer.close();
    await site.close();
  }
});

test('browserCodec: PNG encode and decode round trip, resize with centre crop, luma', async () => {
  const r = await withChromiumPage('web-demo/index.html', {}, (tab) =>
    tab.evaluate(async () => {
      const { browserCodec } = await import('/dist/index.js');
      const [w, h] = [6, 4];
      const data = Float32Array.from({ length: w * h * 3 }, (_, i) => ((i * 37) % 256) / 255);
      const png = await browserCodec.encodePng({ data, width: w, height: h, channels: 3 });
      const back = await browserCodec.decode(png, { channels: 3 });
      const gray = await browserCodec.decode(png, { channels: 1, size: 2 });
      let bad = null;
      try {
        await browserCodec.decode(new Uint8Array([1, 2, 3]));
      } catch (e) {
        bad = e.message;
      }
      return { sig: [...png.slice(1, 4)].map((c) => String.fromCharCode(c)).join(''), same: back.data.every((v, i) => Math.abs(v - data[i]) < 1 / 255 + 1e-6), w: back.width, gray: [gray.width, gray.height, gray.channels, gray.data.length], bad };
    }),
  );
  assert.is(r.sig, 'PNG');
  assert.ok(r.same, 'lossless round trip');
  assert.is(r.w, 6);
  assert.equal(r.gray, [2, 2, 1, 4]);
  assert.match(r.bad, /cannot decode image/);
});

test.run();
