// npm run demo:web — builds the demo into a temporary directory and serves it on 127.0.0.1.
//   node demo/serve.mjs [--port N]
// The same server also serves the repository under /repo/ (for examples/browser/importmap) and
// every URL with COOP/COEP headers under /coi/ (cross-origin isolated: threaded tfjs-backend-wasm
// on a shared memory, and our shared-memory kernels variant).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {buildDemo} from './build.mjs';
import {startServer} from '../test/browser/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.PORT ?? 0);

if (!fs.existsSync(path.join(root, 'dist/index.js')) || !fs.existsSync(path.join(root, 'dist/keras.js'))) {
  console.error('demo:web needs the package built: run `npm run build` first');
  process.exit(1);
}
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-demo-'));
const cleanup = () => fs.rmSync(outdir, {recursive: true, force: true});
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

await buildDemo(outdir);
const server = await startServer({mounts: {'/': outdir, '/repo': root}, port});
console.log(`tfjs-backend-as demo:            ${server.origin}/`);
console.log(`  cross-origin isolated:         ${server.origin}/coi/   (threaded tfjs-backend-wasm, shared memory)`);
console.log(`  import-map example:            ${server.origin}/repo/examples/browser/importmap/index.html`);
console.log('Ctrl-C to stop.');
