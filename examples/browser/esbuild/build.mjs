// Bundles examples/browser/esbuild/main.js with esbuild and copies what the page needs:
//   node examples/browser/esbuild/build.mjs [outdir]      (default: examples/browser/esbuild/dist)
// then serve outdir with any static server and open index.html.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(process.argv[2] ?? path.join(here, 'dist'));
fs.mkdirSync(outdir, {recursive: true});

// splitting: utils.plotModel imports @viz-js/viz (Graphviz, 1.5 MB) dynamically; with code
// splitting esbuild makes it a chunk of its own that only a drawing fetches. Without it esbuild
// inlines every dynamic import into bundle.js.
await esbuild.build({
  entryPoints: {bundle: path.join(here, 'main.js')},
  bundle: true,
  format: 'esm',
  splitting: true,
  target: 'es2022',
  platform: 'browser',
  outdir,
  logLevel: 'warning',
});
fs.copyFileSync(path.join(here, 'index.html'), path.join(outdir, 'index.html'));

// tfjs-backend-wasm loads one of these at run time (plain, SIMD, or threaded SIMD when the
// page is cross-origin isolated); they are not part of any bundle.
const require = createRequire(import.meta.url);
const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  fs.copyFileSync(path.join(wasmDist, file), path.join(outdir, file));
}
console.log(`built ${path.relative(process.cwd(), outdir) || '.'}/index.html`);
