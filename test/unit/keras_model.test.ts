// The functional Model (API.md "Models"): the seed article's two models and their param counts,
// summary() in Keras' format, multi-input/-output, shared layers, a model inside a model,
// predict in batches without leaks, input validation, graph errors, runGraph's losses, plotModel.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {K, Layer, Model, input, layers, regularizers, utils, type SymbolicTensor} from '../../src/keras/index.js';
import {MyDense, seedMyDenseModel, seedMultiInputModel} from './keras_fixtures.js';

await tf.setBackend('as');

function summaryLines(m: Model, ...args: [number?, number[]?]): string[] {
  const lines: string[] = [];
  m.summary(args[0], args[1], line => lines.push(line));
  return lines;
}

test("the seed MyDense model: 443,710 params, 443,610 trainable, 100 non-trainable, in Keras' table", () => {
  K.clearSession();
  const m = seedMyDenseModel();
  const lines = summaryLines(m);
  const text = lines.join('\n');
  assert.equal(lines.slice(0, 4), [
    'Model: "model"',
    '_'.repeat(98),
    'Layer (type)                    Output Shape         Param #     Connected to                     ',
    '='.repeat(98),
  ]);
  assert.ok(
    lines.includes(
      'input_1 (InputLayer)            [(None, 28, 28)]     0                                            ',
    ),
    text,
  );
  assert.ok(
    lines.includes(
      'reshape (Reshape)               (None, 784)          0           input_1[0][0]                    ',
    ),
    text,
  );
  assert.ok(
    lines.includes(
      'dense (Dense)                   (None, 500)          392500      reshape[0][0]                    ',
    ),
    text,
  );
  assert.ok(
    lines.includes(
      'my_dense (MyDense)              (None, 100)          50200       dense[0][0]                      ',
    ),
    text,
  );
  assert.ok(
    lines.includes(
      'dense_1 (Dense)                 (None, 10)           1010        my_dense[0][0]                   ',
    ),
    text,
  );
  assert.equal(lines.slice(-4), [
    'Total params: 443,710',
    'Trainable params: 443,610',
    'Non-trainable params: 100',
    '_'.repeat(98),
  ]);
  assert.ok(lines.every(l => l.length <= 98));
  assert.is(m.countParams(), 443710);
  tf.dispose(m.weights);
});

test('the seed multi-input model: 392,500 per Dense 500, 90,180 for MyLayer([100, 80]), 1,810 for Dense 10', () => {
  K.clearSession();
  const m = seedMultiInputModel();
  const lines = summaryLines(m);
  const row = (name: string) => lines.find(l => l.startsWith(`${name} (`))!;
  assert.match(row('dense'), /\(None, 500\)\s+392500\s+input_1\[0\]\[0\]/);
  assert.match(row('dense_1'), /\(None, 500\)\s+392500\s+input_2\[0\]\[0\]/);
  assert.match(row('my_layer'), /\(None, 180\)\s+90180\s+dense\[0\]\[0\]/);
  assert.match(
    lines[lines.indexOf(row('my_layer')) + 1],
    /^\s+dense_1\[0\]\[0\]\s*$/,
    'second connection on its own line',
  );
  assert.match(row('dense_2'), /\(None, 10\)\s+1810\s+my_layer\[0\]\[0\]/);
  assert.ok(lines.includes('Total params: 876,990'));
  assert.equal(
    m.layers.map(l => l.name),
    ['input_1', 'input_2', 'dense', 'dense_1', 'my_layer', 'dense_2'],
  );
  const y = m.predict([tf.ones([3, 784]), tf.zeros([3, 784])]) as tf.Tensor;
  assert.equal(y.shape, [3, 10]);
  tf.dispose([y, m.weights]);
});

test('summary: lineLength, positions and the outside-Lambda graph (TFOpLambda rows)', () => {
  K.clearSession();
  const x = input({shape: [500]});
  const y = K.mul(K.mul(x, K.randomBinomial(K.shape(x), 0.5)), 2);
  const m = new Model({inputs: x, outputs: y});
  const lines = summaryLines(m, 80, [0.4, 0.6, 0.7, 1]);
  assert.ok(lines.every(l => l.length <= 80));
  assert.is(lines[1], '_'.repeat(80));
  assert.match(
    lines.find(l => l.startsWith('k.random_binomial'))!,
    /^k\.random_binomial \(TFOpLambda\)\s+\(None, 500\)\s+0\s+k\.shape\[0\]\[0\]/,
  );
  assert.match(lines.find(l => l.startsWith('k.shape'))!, /\(2,\)\s+0\s+input_1\[0\]\[0\]/);
  assert.ok(lines.includes('Total params: 0'));
});

test('multi-output, shared layers (weights counted once), and a model used as a layer', () => {
  K.clearSession();
  const a = input({shape: [4]}),
    b = input({shape: [4]});
  const shared = layers.dense({units: 3, name: 'shared'});
  const ya = shared.apply(a),
    yb = shared.apply(b);
  const m = new Model({inputs: [a, b], outputs: [ya, yb, layers.concatenate().apply([ya, yb])]});
  assert.is(m.countParams(), 15);
  assert.is(m.weights.length, 2);
  const lines = summaryLines(m);
  const i = lines.findIndex(l => l.startsWith('shared (Dense)'));
  assert.match(lines[i], /multiple|\(None, 3\)/);
  assert.match(lines[i], /input_1\[0\]\[0\]/);
  assert.match(lines[i + 1], /input_2\[0\]\[0\]/);
  assert.match(lines.find(l => l.startsWith('concatenate'))!, /shared\[0\]\[0\]/);
  assert.match(lines[lines.findIndex(l => l.startsWith('concatenate')) + 1], /shared\[1\]\[0\]/);
  const xa = tf.randomNormal([5, 4]),
    xb = tf.randomNormal([5, 4]);
  const [pa, pb, pc] = m.predict([xa, xb]) as tf.Tensor[];
  assert.equal(pc.shape, [5, 6]);
  assert.equal(Array.from(pa.dataSync()), Array.from((shared.apply(xa) as tf.Tensor).dataSync()));
  // The model as a layer of an outer model.
  const c = input({shape: [4]});
  const inner = new Model({inputs: [a, b], outputs: layers.concatenate().apply([ya, yb]), name: 'inner'});
  const outer = new Model({inputs: c, outputs: layers.dense({units: 2}).apply(inner.apply([c, c]) as SymbolicTensor)});
  assert.equal(outer.outputs[0].shape, [null, 2]);
  assert.ok(summaryLines(outer).some(l => /^inner \(Functional\)\s+\(None, 6\)\s+15\s+input_3\[0\]\[0\]/.test(l)));
  assert.is(outer.countParams(), 15 + 14);
  const po = outer.predict(xa) as tf.Tensor;
  const manual = tf.tidy(
    () =>
      outer.layers[2].apply(tf.concat([shared.apply(xa) as tf.Tensor, shared.apply(xa) as tf.Tensor], -1)) as tf.Tensor,
  );
  assert.equal(Array.from(po.dataSync()), Array.from(manual.dataSync()));
  tf.dispose([xa, xb, pa, pb, pc, po, manual]);
});

test('predict runs in batches, equals one big batch, and leaks no tensor', () => {
  const m = seedMyDenseModel();
  const x = tf.randomUniform([70, 28, 28]);
  const whole = m.predict(x, {batchSize: 70}) as tf.Tensor;
  const before = tf.memory().numTensors;
  const batched = m.predict(x, {batchSize: 32}) as tf.Tensor;
  assert.is(tf.memory().numTensors, before + 1);
  assert.equal(batched.shape, [70, 10]);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(whole, batched))).dataSync()[0]);
  assert.ok(diff < 1e-5, `diff ${diff}`);
  const byName = m.predict({[m.inputs[0].name]: x}) as tf.Tensor;
  assert.equal(byName.shape, [70, 10]);
  const empty = m.predict(tf.zeros([0, 28, 28])) as tf.Tensor;
  assert.equal(empty.shape, [0, 10]);
  assert.throws(() => m.predict(x, {batchSize: 0}), /batchSize must be a positive integer/);
  tf.dispose([x, whole, batched, byName, empty, m.weights]);
});

test('model input validation names the model input, the expected and the actual shape', () => {
  K.clearSession();
  const m = seedMultiInputModel();
  assert.throws(
    () => m.predict([tf.zeros([2, 784]), tf.zeros([2, 783])]),
    /Model 'model': input 'input_2' expected shape \[null,784\], got \[2,783\]/,
  );
  assert.throws(
    () => m.predict(tf.zeros([2, 784])),
    /Model 'model' expects 2 input\(s\) \['input_1' \[null,784\], 'input_2' \[null,784\]\], got 1/,
  );
  assert.throws(() => m.predict([tf.zeros([2, 784]), tf.zeros([3, 784])]), /same batch size/);
  assert.throws(() => m.apply(input({shape: [10]})), /Model 'model' expects 2 input/);
  tf.dispose(m.weights);
});

test('graph errors name the tensor: disconnected outputs, inputs not from input(), concrete tensors', () => {
  K.clearSession();
  const a = input({shape: [3]}),
    b = input({shape: [3]});
  const sum = layers.concatenate().apply([a, b]);
  assert.throws(
    () => new Model({inputs: a, outputs: sum}),
    /Model 'model': output 'concatenate' cannot be computed from the model's inputs \['input_1'\]: it depends on input 'input_2'/,
  );
  const d = layers.dense({units: 2}).apply(a);
  assert.throws(
    () => new Model({inputs: d, outputs: layers.dense({units: 1}).apply(d)}),
    /input 0 must be a tensor made by input\(\), got 'dense' \(output of Layer 'dense' \(Dense\)\)/,
  );
  assert.throws(
    () => new Model({inputs: a, outputs: tf.ones([2]) as never}),
    /output 0 must be a SymbolicTensor, got a concrete Tensor of shape \[2\]/,
  );
  const twin = layers.dense({units: 2, name: 'dense'});
  assert.throws(() => new Model({inputs: a, outputs: twin.apply(d)}), /two layers are named 'dense'/);
});

test('runGraph: outputs plus per-call, symbolic and regularizer losses; training reaches Dropout', () => {
  class Activity extends Layer {
    override call(x: tf.Tensor) {
      this.addLoss(tf.mul(0.5, tf.sum(x)));
      return x;
    }
  }
  const x = input({shape: [2]});
  const h = layers
    .dense({units: 2, kernelInitializer: 'ones', biasInitializer: 'zeros', kernelRegularizer: regularizers.l2(0.25)})
    .apply(x);
  const act = new Activity().apply(h);
  const dropped = layers.dropout({rate: 0.5, seed: 1}).apply(act);
  const m = new Model({inputs: x, outputs: dropped});
  m.addLoss(K.mean(h));
  const xs = tf.tensor2d([[1, 2]]);
  const before = tf.memory().numTensors;
  const {outputs, losses} = tf.tidy(() => {
    const r = m.runGraph([xs], {training: false});
    return {outputs: r.outputs, losses: r.losses};
  });
  // h = [3, 3]; activity 0.5 * 6 = 3; mean(h) = 3; l2: 0.25 * 4 = 1.
  assert.equal(Array.from(outputs[0].dataSync()), [3, 3], 'no dropout when not training');
  assert.equal(losses.map(t => t.dataSync()[0]).sort(), [1, 3, 3]);
  tf.dispose([outputs, losses]);
  assert.is(tf.memory().numTensors, before);
  const trained = tf.tidy(() => m.runGraph([tf.ones([50, 2])], {training: true}).outputs[0].dataSync());
  assert.ok(
    trained.some(v => v === 0) && trained.some(v => Math.abs(v - 4) < 1e-5),
    'dropout active in training: 0 or 2/(1-0.5)',
  );
  assert.throws(() => m.addLoss(K.mean(input({shape: [2]}))), /loss '.*' cannot be computed from the model's inputs/);
  xs.dispose();
});

test('gradients flow through runGraph to every trainable weight, none to non-trainable ones', () => {
  const m = seedMyDenseModel();
  const my = m.layers.find(l => l instanceof MyDense) as MyDense;
  const x = tf.randomUniform([4, 28, 28]);
  const {value, grads} = tf.variableGrads(
    () => tf.sum(tf.square(m.runGraph([x], {training: true}).outputs[0])) as tf.Scalar,
    m.trainableWeights,
  );
  value.dispose();
  assert.equal(Object.keys(grads).sort(), m.trainableWeights.map(w => w.name).sort());
  assert.not.ok(my.a.name in grads);
  tf.dispose([x, Object.values(grads), m.weights]);
});

test('plotModel: DOT like Keras plot_model, SVG through viz.js, toFile', async () => {
  K.clearSession();
  const m = seedMultiInputModel();
  const dot = await utils.plotModel(m, {format: 'dot'});
  assert.match(dot, /^digraph G \{/);
  assert.match(dot, /graph \[rankdir=TB, concentrate=true, dpi=96\];/);
  assert.match(dot, /node \[shape=record\];/);
  assert.match(dot, /n4 \[label="my_layer: MyLayer"\];/);
  assert.match(dot, /n2 -> n4;\n {2}n3 -> n4;/);
  const shaped = await utils.plotModel(m, {format: 'dot', showShapes: true, rankdir: 'LR', showLayerNames: false});
  assert.match(shaped, /rankdir=LR/);
  assert.match(
    shaped,
    /label="MyLayer\\n\|\{input:\|output:\}\|\{\{\[\(None, 500\), \(None, 500\)\]\}\|\{\(None, 180\)\}\}"/,
  );
  assert.match(shaped, /label="InputLayer\\n\|\{input:\|output:\}\|\{\{\[\(None, 784\)\]\}\|\{\[\(None, 784\)\]\}\}"/);
  const svg = await utils.plotModel(m, {showShapes: true});
  assert.match(svg, /<svg[\s\S]*my_layer: MyLayer[\s\S]*<\/svg>/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keras-plot-'));
  await utils.plotModel(m, {toFile: path.join(dir, 'model.svg')});
  await utils.plotModel(m, {toFile: path.join(dir, 'model.dot')});
  assert.match(fs.readFileSync(path.join(dir, 'model.svg'), 'utf8'), /^<\?xml[\s\S]*<svg/);
  assert.match(fs.readFileSync(path.join(dir, 'model.dot'), 'utf8'), /^digraph G/);
  fs.rmSync(dir, {recursive: true});
  tf.dispose(m.weights);
});

test.run();
