// A static file server for the repository on 127.0.0.1 (random port), for the browser tests. By default it sends
// no cross-origin isolation headers (the SDK must work without them); `isolated` adds COOP same-origin + COEP
// require-corp, `headers` any others, `cors` Access-Control-Allow-Origin: * (for pages of another origin).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json', '.json': 'application/json', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export async function serve(root, { isolated = false, headers: extra = {}, cors = false } = {}) {
  root = resolve(root);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x').pathname;
    if (url === '/favicon.ico') return void res.writeHead(204).end();
    let path;
    try {
      path = normalize(join(root, decodeURIComponent(url)));
    } catch {
      return void res.writeHead(400).end();
    }
    if (!path.startsWith(root + sep)) return void res.writeHead(403).end();
    try {
      const body = await readFile(path);
      const headers = { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' };
      if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      if (cors) headers['access-control-allow-origin'] = '*';
      Object.assign(headers, extra);
      res.writeHead(200, headers).end(body);
    } catch {
      process.stderr.write(`serve: 404 ${url}\n`);
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise((r) => {
      server.close(r);
      server.closeAllConnections(); // keep-alive connections would hold close() open
    });
  return { url: `http://127.0.0.1:${server.address().port}`, close };
}
