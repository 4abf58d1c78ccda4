// `npx vite build --config examples/browser/vite/vite.config.js` (from the repository root)
// builds this example into examples/browser/vite/dist; `npx vite --config ...` serves it.
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {defineConfig} from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');

export default defineConfig({
  root: here,
  base: './',
  // Only because this example lives inside the package itself: in your app, `npm install
  // tfjs-backend-as` and drop this alias.
  resolve: {
    alias: [
      {find: /^tfjs-backend-as$/, replacement: path.join(repo, 'dist/index.js')},
      {find: /^tfjs-backend-as\/keras$/, replacement: path.join(repo, 'dist/keras.js')},
    ],
  },
  build: {
    target: 'es2022',
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    // tfjs-core alone is about 600 kB minified: one chunk is expected.
    chunkSizeWarningLimit: 4000,
    // In a cross-origin-isolated page tfjs-backend-wasm starts its threaded build by sending its
    // own factory function, as source text (toString()), to worker threads. Vite 8's default
    // minifier (Oxc) rewrites that function so that it no longer runs on its own there ("e is
    // not defined" in the workers); esbuild's minifier keeps it self-contained. Vite 7 and
    // earlier minify with esbuild by default.
    minify: 'esbuild',
  },
  logLevel: 'warn',
});
