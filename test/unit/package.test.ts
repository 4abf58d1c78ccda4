// The built package as users load it: require and import by name (dist/, through package.json
// "exports"), gradients for a user of tfjs-core alone, and one registration when both the
// CommonJS and the ESM build are loaded, or tfjs-layers registers the gradients too.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function node(code: string, type: 'commonjs' | 'module'): string {
  const r = spawnSync(process.execPath, ['--input-type=' + type, '-e', code], {cwd: root, encoding: 'utf8'});
  assert.is(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

const GRAD_CHECK = `
  await tf.setBackend('as');
  const g = tf.grad(x => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2, 3]));
  console.log(JSON.stringify({backend: tf.getBackend(), grad: Array.from(await g.data())}));`;

test('tfjs-core alone has no gradients in Node (so the tests below can fail)', () => {
  const out = node(`const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
    try { tf.grad(x => tf.sum(x))(tf.scalar(1)); console.log('worked'); } catch (e) { console.log(e.message); }`, 'commonjs');
  assert.match(out, /gradient function not found for Sum/);
});

test('require: gradients work for a user of tfjs-core alone', () => {
  const out = node(`const tf = require('@tensorflow/tfjs-core'); require('tfjs-backend-as');
    (async () => { ${GRAD_CHECK} })();`, 'commonjs');
  assert.equal(JSON.parse(out), {backend: 'as', grad: [2, 4, 6]});
});

test('import: gradients work for a user of tfjs-core alone', () => {
  const out = node(`import * as tf from '@tensorflow/tfjs-core'; import 'tfjs-backend-as'; ${GRAD_CHECK}`, 'module');
  assert.equal(JSON.parse(out), {backend: 'as', grad: [2, 4, 6]});
});

test('the ESM and the CommonJS builds in one process register once and share the state', () => {
  const out = node(`import * as tf from '@tensorflow/tfjs-core'; import {createRequire} from 'node:module';
    import * as esm from 'tfjs-backend-as';
    const cjs = createRequire(import.meta.url)('tfjs-backend-as');
    await tf.setBackend('as');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    console.log(JSON.stringify({same: esm.backendInfo().variant === cjs.backendInfo().variant,
      kernels: cjs.backendInfo().kernels.length > 0, y: Array.from(await y.data())}));`, 'module');
  assert.equal(JSON.parse(out), {same: true, kernels: true, y: [11]});
});

const KERAS_CHECK = `
  const names = ['K', 'Layer', 'Model', 'input', 'layers', 'losses', 'regularizers', 'utils'].filter(n => keras[n] == null);
  await tf.setBackend('as');
  const x = keras.input({shape: [3]});
  const model = new keras.Model({inputs: x, outputs: keras.layers.dense({units: 2}).apply(x)});
  console.log(JSON.stringify({missing: names, backend: tf.getBackend(), shape: model.predict(tf.ones([4, 3])).shape}));`;

test("require('tfjs-backend-as/keras'): the layer API, a model predicts on 'as'", () => {
  const out = node(`const tf = require('@tensorflow/tfjs-core'); const keras = require('tfjs-backend-as/keras');
    (async () => { ${KERAS_CHECK} })();`, 'commonjs');
  assert.equal(JSON.parse(out), {missing: [], backend: 'as', shape: [4, 2]});
});

test("import 'tfjs-backend-as/keras': the layer API, a model predicts on 'as'", () => {
  const out = node(`import * as tf from '@tensorflow/tfjs-core'; import * as keras from 'tfjs-backend-as/keras'; ${KERAS_CHECK}`, 'module');
  assert.equal(JSON.parse(out), {missing: [], backend: 'as', shape: [4, 2]});
});

test('tfjs-layers registering the same gradients does not break anything', () => {
  const out = node(`const tf = require('@tensorflow/tfjs-core'); require('tfjs-backend-as'); require('@tensorflow/tfjs-layers');
    (async () => { ${GRAD_CHECK} })();`, 'commonjs');
  assert.equal(JSON.parse(out), {backend: 'as', grad: [2, 4, 6]});
});

test("'as' is the default backend when the package is loaded (priority above 'wasm')", () => {
  const out = node(`import * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-backend-cpu'; import 'tfjs-backend-as';
    await tf.ready(); console.log(tf.getBackend());`, 'module');
  assert.is(out, 'as');
});

test.run();
