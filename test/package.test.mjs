// The package as users install it: `npm pack`'s tarball, installed into a fresh folder offline, runs the README's
// SDK example in Node and in Deno. Nothing is downloaded: comlink (the one runtime dependency) is packed from this
// repository's node_modules and installed next to the tarball; sharp (optional) is left out, which also tests the
// message a user without it gets. Needs the build (`npm test` runs it first).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runProcess } from './helpers/process.mjs';
import { denoCommand } from './runtime/run-deno.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gaussface-pack-'));
const app = join(work, 'app');

/** Runs a command: { code, stdout, stderr }. */
function run(cmd, args, { cwd, timeout = 120000, env = {} } = {}) {
  // npm's own variables from an enclosing `npm test` would steer the nested npm (prefix, scripts), and uvu's
  // FORCE_COLOR would colour the output the tests read: drop them.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^FORCE_COLOR$/i.test(k)));
  return runProcess(cmd, args, { cwd, timeout, env: { ...base, NO_COLOR: '1', ...env } });
}

const npm = (args, cwd) => run(process.platform === 'win32' ? 'npm.cmd' : 'npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd });

async function ok(p) {
  const r = await p;
  assert.is(r.code, 0, `exit code ${r.code}:\n${r.stderr}${r.stdout}`);
  return r;
}

/** The first ```js block of the README section `heading`. */
function readmeExample(heading) {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README has a "${heading}" section`);
  return /```js\n([\s\S]*?)```/.exec(text.slice(at))[1];
}

let packed;

test.before(async () => {
  if (!existsSync(join(ROOT, 'dist/index.js'))) throw new Error('dist/ is missing: build first (node scripts/build.mjs)');
  // --ignore-scripts: pack the build just made instead of running prepack's build again.
  const r = await ok(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT));
  packed = JSON.parse(r.stdout)[0];
  await ok(npm(['pack', '--ignore-scripts', '--pack-destination', work], join(ROOT, 'node_modules/comlink')));
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test('the tarball holds the bundle, its types, LICENSE and CHANGELOG — no raw .wasm, sources or tests', () => {
  const files = packed.files.map((f) => f.path);
  for (const f of ['dist/index.js', 'dist/node.js', 'dist/worker.js', 'dist/types/index.d.ts', 'cli/gaussface.mjs', 'README.md', 'LICENSE', 'CHANGELOG.md', 'package.json'])
    assert.ok(files.includes(f), `${f} is in the tarball`);
  for (const f of files) assert.not.match(f, /\.wasm$|^(sdk|assembly|test|bench|build|scripts)\//, `${f} does not belong in the tarball`);
  // 1.006 MB at the streamed-folder change (the bundles with their source maps, the engine embedded twice: Node
  // and browser builds): growth past 1.1 MB means something new is shipped.
  assert.ok(packed.size < 1.1e6, `tarball is ${packed.size} bytes`);
});

test('package.json: publishable, compiler-free dependencies, sharp optional, no build on install', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.is(pkg.private, undefined);
  assert.equal(Object.keys(pkg.dependencies), ['comlink']);
  assert.ok(pkg.optionalDependencies.sharp);
  assert.ok(pkg.devDependencies.assemblyscript);
  assert.is(pkg.scripts.prepare, undefined, 'no build when the package is installed from git');
  assert.ok(pkg.scripts.prepack);
  assert.ok(Array.isArray(pkg.sideEffects) && pkg.sideEffects.includes('./dist/worker.js'));
  assert.is(pkg.license, 'MIT');
});

test('installs offline into a fresh folder: two packages, no compiler', async () => {
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const comlink = readdirSync(work).find((f) => /^comlink-.*\.tgz$/.test(f));
  await ok(npm(['install', '--offline', '--omit=optional', '--ignore-scripts', join(work, packed.filename), join(work, comlink)], app));
  assert.equal(readdirSync(join(app, 'node_modules')).filter((f) => !f.startsWith('.')).sort(), ['comlink', 'gaussface']);
});

const EXPECTED = /\[\s*\[\s*9\.99999\d*, 1\.99999\d* \],\s*\[\s*0\.99999\d*, 1\.99999\d* \]\s*\] Int32Array\(2\) \[ 1, 0 \] -20\.926/;

test("Node runs the README's SDK example from the installed package, and exits by itself", async () => {
  writeFileSync(join(app, 'example.mjs'), readmeExample('## The SDK'));
  const r = await ok(run(process.execPath, ['example.mjs'], { cwd: app, timeout: 60000 }));
  assert.match(r.stdout, EXPECTED, r.stdout);
});

test('without sharp: gaussface/node loads, and decoding an image says to install sharp', async () => {
  writeFileSync(join(app, 'nosharp.mjs'), `
    import { nodeCodec, saveFileAtomic } from 'gaussface/node';
    await saveFileAtomic('out.bin', new Uint8Array([1, 2, 3]));
    try { await nodeCodec.decode(new Uint8Array(8)); console.log('decoded?'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`);
  const r = await ok(run(process.execPath, ['nosharp.mjs'], { cwd: app, timeout: 30000 }));
  const { code, message } = JSON.parse(r.stdout);
  assert.is(code, 'EMISSING');
  assert.match(message, /^install sharp to read images in Node: npm install sharp/);
  assert.equal([...readFileSync(join(app, 'out.bin'))], [1, 2, 3]);
});

test('without sharp: the CLI runs what reads no image, and says to install sharp for what does', async () => {
  const cli = join(app, 'node_modules', 'gaussface', 'cli', 'gaussface.mjs');
  writeFileSync(join(app, 'model.mjs'), `
    import { generate, ImageModel, syntheticFaces } from 'gaussface';
    import { saveFileAtomic } from 'gaussface/node';
    const { X } = syntheticFaces({ n: 60, size: 16, seed: 1 });
    const r = await generate(X, { pcaComponents: 5, nComponents: 2, randomState: 0 });
    await saveFileAtomic('m.safetensors', new ImageModel({ width: 16, height: 16, channels: 1 }, r.pca, r.model).toBytes());`);
  await ok(run(process.execPath, ['model.mjs'], { cwd: app, timeout: 60000 }));
  const info = await ok(run(process.execPath, [cli, 'info', 'm.safetensors', '--json'], { cwd: app, timeout: 60000 }));
  assert.is(JSON.parse(info.stdout).mixtureComponents, 2);
  mkdirSync(join(app, 'pics'), { recursive: true });
  writeFileSync(join(app, 'pics', 'a.png'), readFileSync(join(ROOT, 'docs', 'img', 'demo-samples.png')));
  const fit = await run(process.execPath, [cli, 'fit', '--data', 'pics', '--out', 'x.safetensors'], { cwd: app, timeout: 60000 });
  assert.ok(fit.code !== 0, 'fit without sharp fails');
  assert.match(fit.stderr, /install sharp to read images in Node: npm install sharp/);
});

// Deno resolves both bare and npm: specifiers from the folder's node_modules (a package.json there makes it use
// node_modules instead of its own npm cache), so --cached-only with an empty DENO_DIR proves it is offline.
for (const [what, spec] of [['a bare specifier', 'gaussface'], ['an npm: specifier', 'npm:gaussface']]) {
  test(`Deno runs the README's SDK example from the installed package (${what}), offline`, async () => {
    const file = `example-${spec.replace(/\W/g, '')}.mjs`;
    writeFileSync(join(app, file), readmeExample('## The SDK').replace(/from 'gaussface'/g, `from '${spec}'`));
    const [cmd, ...pre] = denoCommand();
    const r = await ok(run(cmd, [...pre, 'run', '--cached-only', '--no-prompt', `--allow-read=${app}`, '--allow-env', file], {
      cwd: app, timeout: 60000, env: { DENO_DIR: join(work, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
    }));
    assert.match(r.stdout, EXPECTED, r.stdout);
  });
}

test.run();
