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
  // tfjs-core alone is about 600 kB minified: one chunk is expected.
  build: {target: 'es2022', outDir: path.join(here, 'dist'), emptyOutDir: true, chunkSizeWarningLimit: 4000},
  logLevel: 'warn',
});
