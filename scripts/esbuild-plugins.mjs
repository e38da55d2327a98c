// esbuild plugins shared by the SDK build (build.mjs) and the widget site (build-web.mjs).
import { dirname, resolve } from 'node:path';

/**
 * Build variants: the SDK's imports of `./<name>.js` (`../<name>.js` from a sub-folder) resolve to `<file>` in
 * the same folder instead — `host.browser.ts` for host.ts (no node: modules), `engine-builds.worker.ts` for
 * engine-builds.ts (no engine bytes in workers).
 */
export const swap = (table) => ({
  name: 'swap',
  setup(b) {
    for (const [name, file] of Object.entries(table))
      b.onResolve({ filter: new RegExp(`^(\\.\\.?/)+${name}\\.js$`) }, (a) => ({ path: resolve(a.resolveDir, dirname(a.path), file) }));
  },
});
export const browserHost = { host: 'host.browser.ts' };
export const workerEngine = { 'engine-builds': 'engine-builds.worker.ts' };

/** A virtual module `name` whose default export is the string `text`. */
export const embed = (name, text) => ({
  name: 'embed',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${name}$`) }, () => ({ path: name, namespace: 'embed' }));
    b.onLoad({ filter: /.*/, namespace: 'embed' }, () => ({ contents: `export default ${JSON.stringify(text)};`, loader: 'js' }));
  },
});

