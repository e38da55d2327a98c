// A module worker started from a script next to this bundle. Browsers refuse cross-origin worker scripts, and a
// blog post often loads the widgets from another host (a CDN-less "project site"): a one-line same-origin blob
// module that imports the real script stands in for it. (sdk/spawn.ts does the same for the engine workers;
// its helper is private to the SDK.)
export function startModuleWorker(url: URL): Worker {
  const origin = globalThis.location?.origin;
  const src = !origin || url.origin === origin ? url : URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
  return new Worker(src, { type: 'module' });
}
