// The blog widgets in real headless Chromium, from `scripts/build-web.mjs` output served under a sub-path by a
// plain static server (no COOP/COEP): every widget reaches data-state="done", draws non-blank canvases, reacts
// to its controls; bad input shows a message inside the widget; the main thread stays free while fitting; the
// same seeded faces as Node; the budgets (bundle size, 16 faces from a 100-component model, a 256×256 point
// cloud on one core); 1280 and 375 px layouts, with screenshots in the test's temp folder
// (GAUSSFACE_WIDGET_SHOTS=DIR also writes the README's small per-widget screenshots there).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { GaussianMixture, ImageModel, imageToPoints, Matrix, PCA, Pool, shutdown, syntheticFaces } from '../dist/index.js';
import { launchChromium } from './runtime/run-chromium.mjs';
import { serve } from './runtime/serve.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'gaussface-widgets-'));
const web = join(tmp, 'site', 'blog', 'web'); // served under a sub-path, as on a blog's host
execFileSync(process.execPath, ['scripts/build-web.mjs', '--out', web], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const shots = process.env.GAUSSFACE_WIDGET_SHOTS;
console.log(`  widget screenshots: ${tmp}`);

/** FNV-1a over the bytes of a Float32Array: the same function runs in the page. */
const FNV = `(a) => { const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength); let h = 0x811c9dc5; for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0; return h.toString(16); }`;
const fnv = eval(FNV);

/**
 * A page of the site in a fresh Chromium; fn(tab, errors, base) runs with the page's uncaught errors collected
 * (path null: fn navigates itself, from the site's URL `base`).
 */
async function withPage(path, fn, { viewport = { width: 1280, height: 900 }, init } = {}) {
  const server = await serve(join(tmp, 'site'));
  const browser = await launchChromium();
  try {
    const tab = await browser.context.newPage();
    await tab.setViewportSize(viewport);
    const errors = [];
    tab.on('pageerror', (e) => errors.push(String(e.stack || e)));
    tab.on('crash', () => errors.push('the page crashed'));
    if (init) await tab.addInitScript(init);
    const base = `${server.url}/blog/web/`;
    if (path !== null) await tab.goto(base + path);
    const out = await fn(tab, errors, base);
    assert.equal(errors, [], 'no uncaught errors on the page');
    return out;
  } finally {
    await browser.close();
    await server.close();
  }
}

const waitState = (tab, sel, state, timeout = 60000) => tab.waitForFunction(([s, st]) => document.querySelector(s)?.dataset.state === st, [sel, state], { timeout });

/** Contrast (max − min of the red channel) and a hash of every canvas in the widget's shadow root. */
const canvases = (tab, sel) =>
  tab.evaluate(([s, fnvSrc]) => {
    const f = eval(fnvSrc);
    return [...document.querySelector(s).shadowRoot.querySelectorAll('canvas')].filter((c) => !c.hidden && c.width > 1).map((c) => {
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let [min, max] = [255, 0];
      for (let i = 0; i < px.length; i += 4) [min, max] = [Math.min(min, px[i]), Math.max(max, px[i])];
      return { id: c.id, w: c.width, h: c.height, contrast: max - min, hash: f(new Float32Array(px.buffer.slice(0, px.length - (px.length % 4)))) };
    });
  }, [sel, FNV]);

/** Sets a range input in a widget and fires `input`, as a drag would. */
const slide = (tab, sel, id, value) =>
  tab.evaluate(([s, i, v]) => {
    const el = document.querySelector(s).shadowRoot.getElementById(i);
    el.value = String(v);
    el.dispatchEvent(new Event('input'));
  }, [sel, id, value]);

const canvasHash = async (tab, sel, id) => (await canvases(tab, sel)).find((c) => c.id === id)?.hash;
async function changes(tab, sel, id, before, what) {
  await tab.waitForFunction(async ([s, i, b, fnvSrc]) => {
    const c = document.querySelector(s).shadowRoot.getElementById(i);
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return eval(fnvSrc)(new Float32Array(px.buffer.slice(0, px.length - (px.length % 4)))) !== b;
  }, [sel, id, before, FNV], { timeout: 10000 }).catch(() => assert.unreachable(`${what}: the canvas did not change`));
}

// Long tasks (PerformanceObserver 'longtask') and the widgets' fit marks, recorded from the start of the page.
const LONGTASKS = () => {
  window.__long = [];
  new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => ({ start: e.startTime, duration: e.duration })))).observe({ type: 'longtask', buffered: true });
};
const longestWhileFitting = (tab) =>
  tab.evaluate(() => {
    const starts = performance.getEntriesByName('gaussface-fit-start').map((m) => m.startTime);
    const ends = performance.getEntriesByName('gaussface-fit-end').map((m) => m.startTime);
    const spans = starts.map((s) => [s, ends.find((e) => e >= s) ?? performance.now()]);
    const during = window.__long.filter((t) => spans.some(([a, b]) => t.start < b && t.start + t.duration > a));
    return { fits: spans.length, longest: Math.max(0, ...during.map((t) => t.duration)), all: window.__long.map((t) => Math.round(t.duration)) };
  });

test('the gallery: every widget loads from a static host under a sub-path, draws, reacts, and lays out at 1280 and 375 px', async () => {
  await withPage('index.html', async (tab) => {
    // Visible widgets start by themselves; the others when scrolled to, <gaussface-fit> on its button.
    for (const sel of ['#points', '#faces', '#morph']) {
      await tab.locator(sel).scrollIntoViewIfNeeded();
      await waitState(tab, sel, 'done');
    }
    await tab.locator('#fit').scrollIntoViewIfNeeded();
    await tab.locator('#fit').locator('#go').click();
    await waitState(tab, '#fit', 'done');
    for (const [sel, n] of [['#points', 2], ['#faces', 16], ['#morph', 3], ['#fit', 2]]) {
      const cs = await canvases(tab, sel);
      assert.ok(cs.length >= n, `${sel}: ${cs.length} canvases drawn, ${n} expected`);
      for (const c of cs) assert.ok(c.contrast > 60, `${sel} #${c.id} is not blank (contrast ${c.contrast})`);
    }
    if (shots) { // the README's pictures, before the sliders move
      mkdirSync(shots, { recursive: true });
      for (const id of ['points', 'faces', 'morph', 'fit'])
        await sharp(await tab.locator(`#${id}`).screenshot()).png({ palette: true, compressionLevel: 9 }).toFile(join(shots, `widget-${id}.png`)); // small PNGs
    }
    // Sliders and buttons redraw.
    let h = await canvasHash(tab, '#points', 'samples');
    await slide(tab, '#points', 't', 0.1);
    await changes(tab, '#points', 'samples', h, 'points temperature');
    h = (await canvases(tab, '#faces'))[0].hash;
    await slide(tab, '#faces', 't', 0.2);
    await tab.waitForFunction(() => document.querySelector('#faces').shadowRoot.getElementById('tv').textContent === '0.20');
    await tab.waitForFunction(([b, f]) => {
      const c = document.querySelector('#faces').shadowRoot.querySelector('#grid canvas');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return eval(f)(new Float32Array(px.buffer)) !== b;
    }, [h, FNV], { timeout: 10000 });
    h = await canvasHash(tab, '#morph', 'mid');
    await slide(tab, '#morph', 'u', 0);
    await changes(tab, '#morph', 'mid', h, 'morph slider');
    const attrs = await tab.evaluate(() => [...document.querySelector('#morph').shadowRoot.querySelectorAll('#attr option')].map((o) => o.value));
    assert.equal(attrs.sort(), ['glasses', 'smiling'], 'the VAE file carries its attribute directions');
    h = await canvasHash(tab, '#morph', 'mid');
    await slide(tab, '#morph', 's', 3);
    await changes(tab, '#morph', 'mid', h, 'attribute slider');
    // Keyboard: Tab to "New faces" and press Enter.
    h = (await canvases(tab, '#faces'))[0].hash;
    await tab.locator('#faces').locator('#more').focus();
    await tab.keyboard.press('Enter');
    await tab.waitForFunction(([b, f]) => {
      const c = document.querySelector('#faces').shadowRoot.querySelector('#grid canvas');
      return eval(f)(new Float32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer)) !== b;
    }, [h, FNV], { timeout: 10000 });
    // Click a face: its nearest training face.
    await tab.locator('#faces').locator('#grid button').first().click();
    await tab.waitForFunction(() => /nearest training face: #\d+/.test(document.querySelector('#faces').shadowRoot.getElementById('nearcap').textContent));
    assert.ok((await canvases(tab, '#faces')).find((c) => c.id === 'nearest').contrast > 60, 'the nearest training face is drawn');
    // Every control is labelled.
    const unlabelled = await tab.evaluate(() =>
      [...document.querySelectorAll('gaussface-points, gaussface-faces, gaussface-morph, gaussface-fit')].flatMap((w) =>
        [...w.shadowRoot.querySelectorAll('input, select, button')].filter((c) => !(c.labels?.length || c.getAttribute('aria-label') || c.textContent.trim())).map((c) => `${w.id} ${c.outerHTML.slice(0, 60)}`),
      ),
    );
    assert.equal(unlabelled, []);
    // The iframe embedding.
    await tab.locator('iframe').scrollIntoViewIfNeeded();
    const frame = tab.frames().find((f) => f.url().endsWith('/frame.html'));
    await frame.waitForFunction(() => document.querySelector('gaussface-faces').dataset.state === 'done', null, { timeout: 60000 });
    await tab.screenshot({ path: join(tmp, 'gallery-1280.png'), fullPage: true });
    await tab.setViewportSize({ width: 375, height: 800 });
    await tab.waitForTimeout(200);
    const overflow = await tab.evaluate(() => ({ page: document.documentElement.scrollWidth, widgets: [...document.querySelectorAll('gaussface-points, gaussface-faces, gaussface-morph, gaussface-fit')].map((w) => [w.id, Math.ceil(w.getBoundingClientRect().right)]) }));
    assert.ok(overflow.page <= 375, `at 375 px the page is ${overflow.page} px wide`);
    for (const [id, right] of overflow.widgets) assert.ok(right <= 375, `${id} ends at ${right} px`);
    await tab.screenshot({ path: join(tmp, 'gallery-375.png'), fullPage: true });
    // prefers-reduced-motion: no transitions.
    await tab.emulateMedia({ reducedMotion: 'reduce' });
    const transition = await tab.evaluate(() => getComputedStyle(document.querySelector('#faces').shadowRoot.querySelector('canvas')).transitionDuration);
    assert.is(transition, '0s');
  });
});

test('no main-thread task over 50 ms while the point cloud and the faces are fitted (CPU time per task, and longtask)', async () => {
  // PerformanceObserver 'longtask' measures wall-clock time: on this machine (2 cores shared by many jobs) a 10 ms
  // task that loses its core is reported as 60–200 ms. What the page controls is the work it does on its main
  // thread, so the check is on each main-thread task's CPU time (Chromium's trace: RunTask events' thread
  // duration) from the first fit's start to the last fit's end (the widgets' user-timing marks, read from the same
  // trace); the longtask figures are printed next to it. On a virtual machine a descheduled vCPU still counts as
  // thread time, so one attempt can show a 10 ms task as 100 ms: the page is loaded afresh up to three times and
  // fails only if every attempt has a task over 50 ms — a page that computes on its main thread fails all three.
  writeFileSync(join(web, 'fits.html'), '<!doctype html><meta charset="utf-8"><gaussface-points id="points" src="models/drawing.png" ellipses autorun></gaussface-points><gaussface-fit id="fit" autorun></gaussface-fit><script type="module" src="gaussface-widgets.js"></script>');
  const attempt = () => withPage(null, async (tab, _, base) => {
    const cdp = await tab.context().newCDPSession(tab);
    const events = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
    const complete = new Promise((ok) => cdp.on('Tracing.tracingComplete', ok));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', '__metadata'] } });
    await tab.goto(base + 'fits.html');
    await waitState(tab, '#points', 'done');
    await waitState(tab, '#fit', 'done');
    const long = await longestWhileFitting(tab);
    await cdp.send('Tracing.end');
    await complete;
    const marks = (name) => events.filter((e) => e.name === name && e.cat.includes('blink.user_timing')).map((e) => e.ts);
    const [from, to] = [Math.min(...marks('gaussface-fit-start')), Math.max(...marks('gaussface-fit-end'))];
    const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
    const tasks = events.filter((e) => e.name === 'RunTask' && e.ph === 'X' && main.has(`${e.pid}:${e.tid}`) && e.tdur !== undefined && e.ts < to && e.ts + e.dur > from);
    const worst = tasks.reduce((m, t) => (t.tdur > m.tdur ? t : m), { tdur: 0, dur: 0 });
    // What the worst task did: its longest nested events (script, compile, layout...), for the message.
    const inside = events.filter((e) => e.ph === 'X' && e !== worst && e.pid === worst.pid && e.tid === worst.tid && e.ts >= worst.ts && e.ts + (e.dur ?? 0) <= worst.ts + worst.dur);
    const what = inside.sort((a, b) => (b.tdur ?? b.dur) - (a.tdur ?? a.dur)).slice(0, 5).map((e) => `${e.name}${e.args?.data?.url ? ' ' + e.args.data.url.split('/').pop() : ''} ${((e.tdur ?? e.dur) / 1000).toFixed(1)} ms`);
    return { ...long, marked: Number.isFinite(from) && Number.isFinite(to) && to > from, span: (to - from) / 1000, tasks: tasks.length, cpu: worst.tdur / 1000, wall: worst.dur / 1000, what };
  }, { init: LONGTASKS });
  const load = async () => (await import('node:os')).loadavg()[0].toFixed(1);
  let r;
  for (let i = 1; i <= 3; i++) {
    r = await attempt();
    console.log(`  attempt ${i}: ${r.tasks} main-thread tasks in ${r.span.toFixed(0)} ms of fitting, the longest ${r.cpu.toFixed(1)} ms of CPU (${r.wall.toFixed(0)} ms wall: ${r.what.join(', ') || '-'}); longtask entries while fitting: longest ${r.longest.toFixed(0)} ms — load average ${await load()} on 2 cores`);
    assert.ok(r.fits >= 2 && r.marked, 'both fits were marked, in the page and in the trace');
    assert.ok(r.tasks > 20, 'the trace has the main thread\'s tasks while fitting');
    if (r.cpu <= 50) break;
  }
  assert.ok(r.cpu <= 50, `in three attempts a main-thread task took over 50 ms of CPU while fitting; the last: ${r.cpu} ms (${r.what.join(', ')})`);
});

test('bad input: a readable message inside the widget, never a broken page', async () => {
  mkdirSync(join(web, 'bad'), { recursive: true });
  writeFileSync(join(web, 'bad', 'junk.safetensors'), Buffer.from('this is not a model file at all, only text'));
  writeFileSync(join(web, 'bad', 'note.png'), 'plain text with an image name');
  // 50 megapixels (a small file: one colour), refused from its header.
  writeFileSync(join(web, 'bad', 'huge.png'), await sharp({ create: { width: 10000, height: 5000, channels: 3, background: '#fff' } }).png().toBuffer());
  const cases = {
    'faces-404': ['<gaussface-faces model="models/missing.safetensors" autorun>', /server answered 404.*check the path/],
    'faces-vae': ['<gaussface-faces model="models/vae.safetensors" autorun>', /is a VAE model file; show it with <gaussface-morph/],
    'faces-junk': ['<gaussface-faces model="bad/junk.safetensors" autorun>', /junk\.safetensors: .*(safetensors|header)/i],
    'morph-gmm': ['<gaussface-morph model="models/faces.safetensors" autorun>', /is a mixture model \(from gaussface fit\), not a VAE/],
    'morph-none': ['<gaussface-morph autorun>', /needs a model attribute/],
    'points-text': ['<gaussface-points src="bad/note.png" autorun>', /note\.png is not an image this browser can read/],
    'points-huge': ['<gaussface-points src="bad/huge.png" autorun>', /10000×5000 \(50\.0 megapixels\).*scale it down/],
    'points-attr': ['<gaussface-points src="models/drawing.png" components="many" autorun>', /attribute components="many": expected an integer/],
  };
  writeFileSync(join(web, 'bad.html'), `<!doctype html><meta charset="utf-8"><body>${Object.entries(cases).map(([id, [tag]]) => tag.replace('>', ` id="${id}">`) + '</' + tag.slice(1).split(' ')[0] + '>').join('\n')}<script type="module" src="gaussface-widgets.js"></script>`);
  const shown = await withPage('bad.html', async (tab) => {
    for (const id of Object.keys(cases)) await waitState(tab, `#${id}`, 'error', 30000);
    await tab.screenshot({ path: join(tmp, 'bad-input.png'), fullPage: true });
    return tab.evaluate((ids) => Object.fromEntries(ids.map((id) => {
      const box = document.getElementById(id).shadowRoot.getElementById('error');
      return [id, box.hidden ? '' : box.textContent];
    })), Object.keys(cases));
  });
  for (const [id, [, re]] of Object.entries(cases)) assert.match(shown[id], re, `${id}: ${shown[id]}`);
});

test('a non-image dropped on <gaussface-fit> names the file; the widget recovers on the next try', async () => {
  await withPage('index.html', async (tab) => {
    const input = tab.locator('#fit').locator('input[type=file]');
    const files = Array.from({ length: 8 }, (_, i) => ({ name: `img${i}.png`, mimeType: 'image/png', buffer: Buffer.from(i === 5 ? 'not a picture' : '') }));
    const face = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#888' } }).png().toBuffer();
    for (const f of files) if (f.name !== 'img5.png') f.buffer = face;
    await input.setInputFiles(files);
    await waitState(tab, '#fit', 'error');
    assert.match(await tab.evaluate(() => document.querySelector('#fit').shadowRoot.getElementById('error').textContent), /img5\.png is not an image/);
    await input.setInputFiles(files.slice(0, 3).map((f) => ({ ...f, buffer: face })));
    await tab.waitForFunction(() => /3 images dropped; drop at least 8/.test(document.querySelector('#fit').shadowRoot.getElementById('error').textContent));
    await tab.locator('#fit').locator('#go').click();
    await waitState(tab, '#fit', 'done');
    assert.ok(await tab.evaluate(() => document.querySelector('#fit').shadowRoot.getElementById('error').hidden), 'the error box is cleared');
  });
});

test('<gaussface-faces>: the same seeded faces as Node for the same model file; 16 faces from a 100-component model in < 0.5 s', async () => {
  // A 100-component, 100-dimensional model over 64×64 faces (the size of an LFW model).
  const { X } = syntheticFaces({ n: 300, size: 64, seed: 4 });
  const pca = await new PCA({ nComponents: 100 }).fit(X);
  const codes = await pca.transform(X);
  const [K, d] = [100, 100];
  const variance = Float64Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < codes.rows; i++) s += codes.get(i, j) ** 2 / codes.rows;
    return 0.3 * s + 1e-6;
  });
  const cov = new Float64Array(K * d * d);
  const pc = new Float64Array(K * d * d);
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) [cov[k * d * d + j * d + j], pc[k * d * d + j * d + j]] = [variance[j], 1 / Math.sqrt(variance[j])];
  const gmm = GaussianMixture.fromState({
    'gmm.weights': { dtype: 'F64', shape: [K], data: new Float64Array(K).fill(1 / K) },
    'gmm.means': { dtype: 'F64', shape: [K, d], data: Float64Array.from(codes.data.subarray(0, K * d)) },
    'gmm.covariances': { dtype: 'F64', shape: [K, d, d], data: cov },
    'gmm.precisions_cholesky': { dtype: 'F64', shape: [K, d, d], data: pc },
  }, { 'gmm.covariance_type': 'full', 'gmm.n_components': String(K), 'gmm.n_features': String(d), 'gmm.lower_factor': 'false' });
  writeFileSync(join(web, 'big.safetensors'), new ImageModel({ width: 64, height: 64, channels: 1 }, pca, gmm).toBytes());
  writeFileSync(join(web, 'seeded.html'), '<!doctype html><meta charset="utf-8"><gaussface-faces id="small" model="models/faces.safetensors"></gaussface-faces><gaussface-faces id="big" model="big.safetensors" autorun></gaussface-faces><gaussface-faces id="builtin" size="24" faces="150" autorun></gaussface-faces><script type="module" src="gaussface-faces.js"></script>');
  const page = await withPage('seeded.html', async (tab) => {
    await waitState(tab, '#small', 'done');
    await waitState(tab, '#big', 'done');
    await waitState(tab, '#builtin', 'done');
    const builtin = await canvases(tab, '#builtin');
    assert.is(builtin.length, 16, 'without a model: the built-in faces are learned and 16 drawn');
    for (const c of builtin) assert.ok(c.w === 24 && c.contrast > 60, `built-in face ${c.w} px, contrast ${c.contrast}`);
    return tab.evaluate(async (fnvSrc) => {
      const f = eval(fnvSrc);
      const small = f(await document.getElementById('small').sample({ seed: 5, temperature: 0.7 }));
      const times = [];
      for (let s = 0; s < 3; s++) {
        const t0 = performance.now();
        await document.getElementById('big').sample({ seed: 10 + s });
        times.push(performance.now() - t0);
      }
      const big = document.getElementById('big').shadowRoot.querySelectorAll('#grid canvas').length;
      return { small, times, big };
    }, FNV);
  });
  // (A copy: decodeSafetensors misreads a Node Buffer, whose slice() is a view — see the report.)
  const node = await ImageModel.fromBytes(new Uint8Array(readFileSync(join(web, 'models', 'faces.safetensors')))).sample(16, { temperature: 0.7, randomState: 5 });
  assert.is(page.small, fnv(node.images.data), 'the same bits in Chromium and Node');
  assert.is(page.big, 16);
  const best = Math.min(...page.times);
  console.log(`  16 faces from a 100-component 64×64 model in Chromium: ${page.times.map((t) => t.toFixed(0)).join(', ')} ms (2 shared cores, under load)`);
  assert.ok(best < 500, `16 faces took ${best.toFixed(0)} ms`);
});

test('budgets: one widget\'s bundle ≤ 400 kB gzip; the 256×256 point-cloud fit < 5 s on one core', async () => {
  // Everything a page with one widget may load: its module and every chunk and worker (an upper bound).
  const js = readdirSync(web).filter((f) => f.endsWith('.js') && !/^gaussface-(?!faces)/.test(f));
  const gz = js.reduce((s, f) => s + gzipSync(readFileSync(join(web, f)), { level: 9 }).length, 0);
  console.log(`  <gaussface-faces> and all shared chunks and workers: ${(gz / 1024).toFixed(0)} kB gzip`);
  assert.ok(gz <= 400 * 1024, `${gz} bytes gzip`);
  const { data, info } = await sharp(join(web, 'models', 'drawing.png')).grayscale().raw().toBuffer({ resolveWithObject: true });
  assert.equal([info.width, info.height], [256, 256]);
  const points = imageToPoints(Float32Array.from(data, (v) => v / 255), 256, 256, 0.15);
  // On one core: the fit on a pool of one worker, timed by the CPU time the process spends (all its threads) —
  // wall-clock time on this shared machine measures the other jobs as much as this one.
  const pool = await Pool.create({ workers: 1 });
  try {
    const [t0, cpu0] = [performance.now(), process.cpuUsage()];
    await new GaussianMixture({ nComponents: 30, nInit: 3, randomState: 0, pool, onWarning: () => {} }).fit(points);
    const cpu = process.cpuUsage(cpu0);
    const [s, wall] = [(cpu.user + cpu.system) / 1e6, (performance.now() - t0) / 1000];
    console.log(`  point cloud of the 256×256 drawing: ${points.rows} points, 30 Gaussians × 3 starts on one worker: ${s.toFixed(2)} s of CPU (${wall.toFixed(2)} s wall, load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on 2 cores)`);
    assert.ok(s < 5, `${s} s`);
  } finally {
    pool.close();
  }
});

test.after(() => shutdown());

test.run();
