declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}

declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(nep: unknown): Endpoint;
}

/** The Web Worker script (dist/worker.js) as text, embedded in the browser build by scripts/build.mjs. */
declare module 'gaussface:worker-source' {
  const source: string;
  export default source;
}
