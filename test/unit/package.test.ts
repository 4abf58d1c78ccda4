// The built package as users load it: require and import by name (dist/, through package.json
// "exports"), gradients for a user of tfjs-core alone, and one registration when both the
// CommonJS and the ESM build are loaded, or tfjs-layers registers the gradients too.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function node(code: string, type: 'commonjs' | 'module'): string {
  const r = spawnSync(process.execPath, [`--input-type=${type}`, '-e', code], {cwd: root, encoding: 'utf8'});
  assert.is(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

const GRAD_CHECK = `
  await tf.setBackend('as');
  const g = tf.grad(x => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2, 3]));
  console.log(JSON.stringify({backend: tf.getBackend(), grad: Array.from(await g.data())}));`;

test('tfjs-core alone has no gradients in Node (so the tests below can fail)', () => {
  const out = node(
    `const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
    try { tf.grad(x => tf.sum(x))(tf.scalar(1)); console.log('worked'); } catch (e) { console.log(e.message); }`,
    'commonjs',
  );
  assert.match(out, /gradient function not found for Sum/);
});

test('require: gradients work for a user of tfjs-core alone', () => {
  const out = node(
    `const tf = require('@tensorflow/tfjs-core'); require('tfjs-backend-as');
    (async () => { ${GRAD_CHECK} })();`,
    'commonjs',
  );
  assert.equal(JSON.parse(out), {backend: 'as', grad: [2, 4, 6]});
});

test('import: gradients work for a user of tfjs-core alone', () => {
  const out = node(`import * as tf from '@tensorflow/tfjs-core'; import 'tfjs-backend-as'; ${GRAD_CHECK}`, 'module');
  assert.equal(JSON.parse(out), {backend: 'as', grad: [2, 4, 6]});
});

test('the ESM and the CommonJS builds in one process register once and share the state', () => {
  const out = node(
    `import * as tf from '@tensorflow/tfjs-core'; import {createRequire} from 'node:module';
    import * as esm from 'tfjs-backend-as';
    const cjs = createRequire(import.meta.url)('tfjs-backend-as');
    await tf.setBackend('as');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    console.log(JSON.stringify({same: esm.backendInfo().variant === cjs.backendInfo().variant,
      kernels: cjs.backendInfo().kernels.length > 0, y: Array.from(await y.data())}));`,
    'module',
  );
  assert.equal(JSON.parse(out), {same: true, kernels: true, y: [11]});
});

test("the gradients registered are tfjs-core's full list (and ours), against the user's tfjs-core", () => {
  // Kernel names of every config tfjs-core's register_all_gradients.js registers, read from its files.
  const coreDist = path.join(root, 'node_modules/@tensorflow/tfjs-core/dist');
  const all = fs.readFileSync(path.join(coreDist, 'register_all_gradients.js'), 'utf8');
  const files = [...all.matchAll(/from '\.\/(gradients\/\w+)'/g)].map(m => m[1]);
  const constants = files.map(
    f => /kernelName: (\w+)/.exec(fs.readFileSync(path.join(coreDist, `${f}.js`), 'utf8'))![1],
  );
  assert.ok(constants.length > 100, `only ${constants.length} gradient configs found in tfjs-core`);
  const out = JSON.parse(
    node(
      `const tf = require('@tensorflow/tfjs-core');
    const before = tf.getGradient(tf.Sum) != null;
    require('tfjs-backend-as');
    const registry = globalThis._tfGlobals.get('gradRegistry');
    console.log(JSON.stringify({before, registered: [...registry.keys()].sort(),
      expected: ${JSON.stringify(constants)}.map(c => tf[c]).sort()}));`,
      'commonjs',
    ),
  );
  assert.is(out.before, false);
  // Einsum: tfjs-core 4.22 has no gradient for it (src/ops/einsum_grad.ts).
  const ours = ['DenseConcat', 'Dropout', 'Einsum'];
  assert.equal(out.registered, [...new Set([...out.expected, ...ours])].sort());
});

test('gradients that run ops tfjs-core does not export (pooling and convolution backprops) work', () => {
  const out = node(
    `const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu'); require('tfjs-backend-as');
    (async () => {
      await tf.setBackend('cpu');
      const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const pool = tf.grad(v => tf.sum(tf.maxPool(v, 2, 2, 'valid')))(x);
      const avg = tf.grad(v => tf.sum(tf.avgPool(v, 2, 2, 'valid')))(x);
      const [dx, df] = tf.grads((v, f) => tf.sum(tf.conv2d(v, f, 1, 'valid')))([x, tf.fill([1, 1, 1, 1], 3)]);
      console.log(JSON.stringify([pool, avg, dx, df].map(t => Array.from(t.dataSync()))));
    })();`,
    'commonjs',
  );
  assert.equal(JSON.parse(out), [[0, 0, 0, 1], [0.25, 0.25, 0.25, 0.25], [3, 3, 3, 3], [10]]);
});

test("no dist bundle contains a copy of tfjs-core's Engine", () => {
  const engineText = 'Cannot compute gradient of y=f(x) with respect to x';
  // The marker is really tfjs-core's Engine's (so this test can fail).
  assert.ok(
    fs.readFileSync(path.join(root, 'node_modules/@tensorflow/tfjs-core/dist/engine.js'), 'utf8').includes(engineText),
  );
  const bundles = fs.readdirSync(path.join(root, 'dist')).filter(f => /\.(c|m)?js$/.test(f));
  assert.ok(bundles.length >= 4, `dist/ has ${bundles}`);
  for (const f of bundles) {
    const text = fs.readFileSync(path.join(root, 'dist', f), 'utf8');
    assert.not.ok(
      text.includes(engineText) || /\bclass _?Engine\b/.test(text),
      `dist/${f} contains tfjs-core's Engine`,
    );
  }
});

const KERAS_CHECK = `
  const names = ['K', 'Layer', 'Model', 'input', 'layers', 'losses', 'regularizers', 'utils'].filter(n => keras[n] == null);
  await tf.setBackend('as');
  const x = keras.input({shape: [3]});
  const model = new keras.Model({inputs: x, outputs: keras.layers.dense({units: 2}).apply(x)});
  console.log(JSON.stringify({missing: names, backend: tf.getBackend(), shape: model.predict(tf.ones([4, 3])).shape}));`;

test("require('tfjs-backend-as/keras'): the layer API, a model predicts on 'as'", () => {
  const out = node(
    `const tf = require('@tensorflow/tfjs-core'); const keras = require('tfjs-backend-as/keras');
    (async () => { ${KERAS_CHECK} })();`,
    'commonjs',
  );
  assert.equal(JSON.parse(out), {missing: [], backend: 'as', shape: [4, 2]});
});

test("import 'tfjs-backend-as/keras': the layer API, a model predicts on 'as'", () => {
  const out = node(
    `import * as tf from '@tensorflow/tfjs-core'; import * as keras from 'tfjs-backend-as/keras'; ${KERAS_CHECK}`,
    'module',
  );
  assert.equal(JSON.parse(out), {missing: [], backend: 'as', shape: [4, 2]});
});

test("require and import of 'tfjs-backend-as/keras' in one process share one Keras engine", () => {
  const out = node(
    `import * as tf from '@tensorflow/tfjs-core'; import {createRequire} from 'node:module';
    import * as esm from 'tfjs-backend-as/keras';
    const cjs = createRequire(import.meta.url)('tfjs-backend-as/keras');
    await tf.setBackend('as');
    const same = ['Layer', 'Model', 'SymbolicTensor', 'InputLayer'].filter(n => esm[n] === cjs[n]);
    const exports = Object.keys(cjs).filter(n => esm[n] !== cjs[n]);
    const x = esm.input({shape: [3]});                          // a SymbolicTensor of one...
    const h = cjs.layers.dense({units: 4, activation: 'relu'}).apply(x);   // ...into a layer of the other
    const model = new cjs.Model({inputs: x, outputs: esm.layers.dense({units: 2}).apply(h)});
    const y = model.predict(tf.ones([5, 3]));
    console.log(JSON.stringify({same, differ: exports, symbolic: x instanceof cjs.SymbolicTensor, shape: y.shape}));`,
    'module',
  );
  assert.equal(JSON.parse(out), {
    same: ['Layer', 'Model', 'SymbolicTensor', 'InputLayer'],
    differ: [],
    symbolic: true,
    shape: [5, 2],
  });
});

test('tfjs-layers registering the same gradients does not break anything', () => {
  const out = node(
    `const tf = require('@tensorflow/tfjs-core'); require('tfjs-backend-as'); require('@tensorflow/tfjs-layers');
    (async () => { ${GRAD_CHECK} })();`,
    'commonjs',
  );
  assert.equal(JSON.parse(out), {backend: 'as', grad: [2, 4, 6]});
});

test("'as' is the default backend when the package is loaded (priority above 'wasm')", () => {
  const out = node(
    `import * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-backend-cpu'; import 'tfjs-backend-as';
    await tf.ready(); console.log(tf.getBackend());`,
    'module',
  );
  assert.is(out, 'as');
});

test.run();
