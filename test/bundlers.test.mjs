// The SDK as a bundler user gets it: a tiny page that imports 'gaussface' by name, bundled by esbuild and by Vite
// with no configuration at all (the package's `browser` condition), served from 127.0.0.1 without COOP/COEP and
// run in headless Chromium. The fit gives Node's bits; the page fetches only its own files, once (the worker
// script is embedded and the engine compiled once and posted to the workers); a workerUrl that 404s is an
// EWORKER error naming that URL and the fix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import * as gf from '../dist/index.js';
import { launchChromium } from './runtime/run-chromium.mjs';
import { serve } from './runtime/serve.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// A user's project: node_modules/gaussface is this repository, as `npm install <path>` would link it.
const app = mkdtempSync(join(tmpdir(), 'gaussface-bundlers-'));
mkdirSync(join(app, 'node_modules'));
symlinkSync(ROOT, join(app, 'node_modules', 'gaussface'), 'dir');

// The fit both Node and the pages run: 20,000 × 32 rows (three 8,192-row chunks, so two workers share them).
writeFileSync(
  join(app, 'fit.js'),
  `export async function fit(GaussianMixture) {
  const [n, d] = [20000, 32];
  const X = new Float32Array(n * d);
  let x = 12345;
  for (let i = 0; i < n * d; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    X[i] = x / 2 ** 32 - 0.5 + 3 * (Math.floor(i / d) % 3);
  }
  const gm = await new GaussianMixture({ nComponents: 3, randomState: 0 }).fit({ data: X, shape: [n, d] });
  return { nIter: gm.nIter, lowerBound: gm.lowerBound, means: Array.from(gm.means.data), covariances: Array.from(gm.covariances) };
}
`,
);
writeFileSync(
  join(app, 'main.js'),
  `import { GaussianMixture, Pool } from 'gaussface';
import { fit } from './fit.js';

async function missingWorker() {
  const pool = await Pool.create({ workers: 1, workerUrl: 'missing/worker.js' });
  try {
    await new GaussianMixture({ nComponents: 2, pool }).fit([[0, 0], [1, 1], [2, 2], [3, 3]]);
    return null;
  } catch (e) {
    return { name: e.name, code: e.code, message: e.message };
  } finally {
    pool.close();
  }
}

fit(GaussianMixture)
  .then(async (result) => {
    await new Promise((go) => (window.__fitted = go)); // the test counts the fit's requests up to here
    return { ok: true, result, missing: await missingWorker() };
  })
  .catch((e) => ({ ok: false, error: String((e && e.stack) || e) }))
  .then((r) => (window.__result = r));
`,
);
// A page whose Content-Security-Policy allows only same-origin workers: the embedded (blob:) worker is refused,
// and a copy of dist/worker.js named by workerUrl runs the fit.
writeFileSync(
  join(app, 'csp.js'),
  `import { GaussianMixture, Pool } from 'gaussface';
async function attempt(opts) {
  const pool = await Pool.create({ workers: 1, ...opts });
  try {
    const gm = await new GaussianMixture({ nComponents: 2, randomState: 0, pool }).fit([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5]]);
    return { ok: true, means: Array.from(gm.means.data) };
  } catch (e) {
    return { ok: false, name: e.name, code: e.code, message: e.message };
  } finally {
    pool.close();
  }
}
(async () => ({ embedded: await attempt({}), served: await attempt({ workerUrl: './static/worker.js' }) }))().then((r) => (window.__csp = r));
`,
);
const PAGE = (src) => `<!doctype html><meta charset="utf-8"><title>gaussface bundled</title><script type="module" src="${src}"></script>\n`;

let node;
const sizes = {};

/** Bytes of the .js files under `dir`. */
function jsBytes(dir) {
  let n = 0;
  for (const f of readdirSync(dir, { recursive: true })) if (f.endsWith('.js')) n += statSync(join(dir, f)).size;
  return n;
}

/** The text of the .js files under `dir`, to look for what must not be in a browser bundle. */
const jsText = (dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');

/**
 * Serves `dir` (no COOP/COEP), opens its index.html in headless Chromium and returns what main.js left in
 * window.__result, with the page's requests ({ path, bytes }, fetched by the page or its workers, until the fit
 * was done) and the URLs of the workers it started.
 */
async function runPage(dir) {
  const server = await serve(dir);
  const browser = await launchChromium();
  try {
    const tab = await browser.context.newPage();
    const errors = [];
    const requests = [];
    const workers = [];
    let fitted = false;
    tab.on('pageerror', (e) => errors.push(String(e.stack || e)));
    tab.on('worker', (w) => fitted || workers.push(w.url()));
    browser.context.on('requestfinished', async (r) => {
      if (fitted || r.url().startsWith('blob:')) return; // blob: URLs are the embedded worker script: no network
      const s = await r.sizes();
      requests.push({ path: r.url().replace(server.url, ''), bytes: s.responseBodySize });
    });
    await tab.goto(`${server.url}/index.html`);
    await tab.waitForFunction(() => window.__fitted || window.__result, null, { timeout: 40000 });
    fitted = true;
    await tab.evaluate(() => window.__fitted?.());
    await tab.waitForFunction(() => window.__result !== undefined, null, { timeout: 20000 });
    const out = await tab.evaluate(() => window.__result);
    if (errors.length) throw new Error(`page errors:\n${errors.join('\n')}`);
    if (!out.ok) throw new Error(`the bundled page failed: ${out.error}`);
    return { ...out, requests, workers, origin: server.url };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The checks both bundlers' pages must pass; `files`: the page's own files (paths from the server root). */
function checkPage(name, r, files) {
  assert.equal(r.result, node, `${name}: the fit gives Node's bits`);
  assert.ok(r.workers.length >= 2, `${name}: the fit ran on the page's workers (${r.workers})`);
  assert.ok(r.workers.every((u) => u.startsWith('blob:')), `${name}: workers start from the embedded script (${r.workers})`);
  const paths = r.requests.map((q) => q.path);
  assert.equal([...paths].sort(), [...files].sort(), `${name}: the page fetched its own files, each once, and nothing else`);
  const total = r.requests.reduce((a, q) => a + q.bytes, 0);
  sizes[name] = { ...sizes[name], fetched: total };
  const m = r.missing;
  assert.ok(m, `${name}: a workerUrl that does not load rejects`);
  assert.is(m.name, 'GaussfaceError');
  assert.is(m.code, 'EWORKER');
  assert.ok(m.message.includes(`${r.origin}/missing/worker.js`), `${name}: the error names the URL: ${m.message}`);
  assert.match(m.message, /HTTP 404/);
  assert.match(m.message, /workerUrl/);
}

test('Node: the reference fit', async () => {
  const { fit } = await import(pathToFileURL(join(app, 'fit.js')).href);
  node = JSON.parse(JSON.stringify(await fit(gf.GaussianMixture)));
  assert.ok(node.nIter >= 2);
});

test('esbuild (platform browser, no options): the page bundles and fits in Chromium with Node\'s result', async () => {
  const out = join(app, 'esbuild-out');
  await esbuild.build({ entryPoints: [join(app, 'main.js')], bundle: true, format: 'esm', platform: 'browser', outdir: out, logLevel: 'error' });
  writeFileSync(join(out, 'index.html'), PAGE('./main.js'));
  const min = await esbuild.build({ entryPoints: [join(app, 'main.js')], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, outdir: out });
  sizes.esbuild = { bundle: jsBytes(out), minified: min.outputFiles[0].contents.length };
  assert.not.match(jsText(out), /["']node:/, 'no node: module in the bundle');
  checkPage('esbuild', await runPage(out), ['/index.html', '/main.js']);
});

test('a page whose CSP forbids blob: workers: EWORKER naming the fix, and workerUrl pointing at a copy of dist/worker.js works', async () => {
  const out = join(app, 'csp-out');
  await esbuild.build({ entryPoints: [join(app, 'csp.js')], bundle: true, format: 'esm', platform: 'browser', outdir: out, logLevel: 'error' });
  writeFileSync(join(out, 'index.html'), PAGE('./csp.js'));
  mkdirSync(join(out, 'static'));
  writeFileSync(join(out, 'static', 'worker.js'), readFileSync(join(ROOT, 'dist', 'worker.js')));
  const server = await serve(out, { headers: { 'content-security-policy': "worker-src 'self'" } });
  const browser = await launchChromium();
  try {
    const tab = await browser.context.newPage();
    await tab.goto(`${server.url}/index.html`);
    await tab.waitForFunction(() => window.__csp !== undefined, null, { timeout: 30000 });
    const r = await tab.evaluate(() => window.__csp);
    assert.is(r.embedded.ok, false, 'the blob: worker is refused');
    assert.is(r.embedded.code, 'EWORKER');
    assert.match(r.embedded.message, /embedded in gaussface's browser build \(blob:/);
    assert.match(r.embedded.message, /Pool\.create\(\{ workerUrl \}\) the URL of gaussface's dist\/worker\.js/);
    assert.ok(r.served.ok, `workerUrl: ${r.served.message}`);
    const { GaussianMixture } = gf;
    const here = await new GaussianMixture({ nComponents: 2, randomState: 0 }).fit([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5]]);
    assert.equal(r.served.means, Array.from(here.means.data));
  } finally {
    await browser.close();
    await server.close();
  }
});

test('Node: a workerUrl that does not exist is EWORKER naming it and the fix', async () => {
  const missing = join(app, 'no-such-worker.js');
  const pool = await gf.Pool.create({ workers: 1, workerUrl: missing });
  try {
    await new gf.GaussianMixture({ nComponents: 2, pool }).fit([[0, 0], [1, 1], [2, 2], [3, 3]]);
    assert.unreachable('the fit should reject');
  } catch (e) {
    assert.instance(e, gf.GaussfaceError);
    assert.is(e.code, 'EWORKER');
    assert.ok(e.message.includes(missing), e.message);
    assert.match(e.message, /dist\/worker-node\.js/);
  } finally {
    pool.close();
  }
});

test('Vite (build from the API, no config file): the page bundles and fits in Chromium with Node\'s result', async () => {
  const { build } = await import('vite');
  const out = join(app, 'vite-out');
  writeFileSync(join(app, 'index.html'), PAGE('./main.js'));
  await build({ root: app, configFile: false, logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
  sizes.vite = { bundle: jsBytes(out) };
  const text = jsText(out);
  assert.not.match(text, /["']node:|__vite-browser-external/, 'no node: module in the bundle');
  const files = readdirSync(out, { recursive: true }).filter((f) => /\.(js|html)$/.test(f)).map((f) => `/${relative(out, join(out, f))}`);
  checkPage('vite', await runPage(out), files);
});

test.after(async () => {
  await gf.shutdown();
  rmSync(app, { recursive: true, force: true });
  const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
  const line = ([k, v]) => `${k} ${kb(v.bundle)}${v.minified ? ` (${kb(v.minified)} minified)` : ''}, page fetched ${v.fetched === undefined ? '?' : kb(v.fetched)}`;
  console.log(`\n  bundles: ${Object.entries(sizes).map(line).join('; ')}`);
});
test.run();
