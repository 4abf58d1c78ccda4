// A small static file server for the browser tests and the demo (127.0.0.1, random free port).
//
// Every URL can be fetched two ways: as is (an ordinary page: tfjs-backend-wasm picks its
// single-threaded build on an ordinary memory) or under the prefix /coi/ (the same file with
// COOP/COEP headers: the page is cross-origin isolated, SharedArrayBuffer exists, and
// tfjs-backend-wasm picks its threaded build on a shared WebAssembly.Memory).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

export const ISOLATED_PREFIX = '/coi';

/**
 * Serves `mounts` (URL prefix -> directory; the longest matching prefix wins) on 127.0.0.1.
 * @param {{mounts: Record<string, string>, port?: number, log?: (line: string) => void}} options
 * @returns {Promise<{origin: string, close: () => Promise<void>, requests: string[]}>}
 */
export async function startServer({mounts, port = 0, log}) {
  const entries = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.replace(/\/+$/, ''), path.resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const requests = [];
  const server = http.createServer((req, res) => {
    const headers = {'Cache-Control': 'no-store'};
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      // A malformed escape (`/%E0%A4%A`) would otherwise throw here and take the server down.
      res.writeHead(400, {...headers, 'Content-Type': 'text/plain'});
      res.end(`bad URL: ${req.url}`);
      return;
    }
    if (pathname === ISOLATED_PREFIX || pathname.startsWith(`${ISOLATED_PREFIX}/`)) {
      pathname = pathname.slice(ISOLATED_PREFIX.length) || '/';
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    requests.push(pathname);
    const file = resolveFile(entries, pathname);
    if (!file) {
      log?.(`404 ${pathname}`);
      res.writeHead(404, {...headers, 'Content-Type': 'text/plain'});
      res.end(`not found: ${pathname}`);
      return;
    }
    headers['Content-Type'] = TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  return {
    origin: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function resolveFile(entries, pathname) {
  for (const [prefix, dir] of entries) {
    if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) continue;
    let file = path.join(dir, pathname.slice(prefix.length));
    // Never serve outside the mounted directory.
    if (file !== dir && !file.startsWith(dir + path.sep)) return null;
    try {
      if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // try a shorter prefix
    }
  }
  return null;
}
