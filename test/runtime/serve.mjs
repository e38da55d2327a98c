// A static file server for the repository on 127.0.0.1 (random port), for the browser tests. Optionally sends
// the cross-origin isolation headers, to check that the SDK works both with and without them.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.map': 'application/json', '.json': 'application/json', '.png': 'image/png' };

export async function serve(root, { isolated = false, cors = false } = {}) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x').pathname;
    if (url === '/favicon.ico') return void res.writeHead(204).end();
    const path = normalize(join(root, decodeURIComponent(url)));
    if (!path.startsWith(root + sep)) return void res.writeHead(403).end();
    try {
      const body = await readFile(path);
      const headers = { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' };
      if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      if (cors) headers['access-control-allow-origin'] = '*';
      res.writeHead(200, headers).end(body);
    } catch {
      process.stderr.write(`serve: 404 ${url}\n`);
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}
