// Model.predict's cached execution plans (src/keras/predict_plan.ts): a planned predict gives the
// uncached path's numbers bit for bit (the first predict of a signature and model.apply run
// uncached), and a plan follows what changes: weights (setWeights, assign, fit), input shapes and
// dtypes, the training flag fixed at graph build, a model made from the same layers plus one,
// masks, several outputs, a disposed weight. No tensor stays behind.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {getMask, input, layers, Model, setMask, type SymbolicTensor} from '../../src/keras/index.js';

await tf.setBackend('as');

/** The uncached path: Model.call through apply, training false, as a plain array. */
function uncached(m: Model, x: tf.Tensor | tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const out = m.apply(x, {training: false}) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map(t => t.dataSync() as Float32Array);
  });
}

function predicted(m: Model, x: tf.Tensor | tf.Tensor[], batchSize?: number): Float32Array[] {
  const out = m.predict(x, batchSize ? {batchSize} : {}) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const data = list.map(t => t.dataSync() as Float32Array);
  tf.dispose(list);
  return data;
}

/** Bit for bit: the same float32 bits, NaN included. */
function assertSameBits(a: Float32Array[], b: Float32Array[], what: string) {
  assert.is(a.length, b.length, `${what}: output count`);
  a.forEach((x, k) => {
    const y = b[k]!;
    assert.is(x.length, y.length, `${what}: output ${k} size`);
    assert.equal(
      new Uint32Array(x.buffer, x.byteOffset, x.length),
      new Uint32Array(y.buffer, y.byteOffset, y.length),
      what,
    );
  });
}

/** A predict of `m` on `x`, twice (uncached then planned), each equal to apply's. */
function checkPlanned(m: Model, x: tf.Tensor | tf.Tensor[], what: string) {
  const reference = uncached(m, x);
  for (let i = 0; i < 3; i++) assertSameBits(predicted(m, x), reference, `${what}, predict ${i + 1}`);
}

function mlp(): {model: Model; x: SymbolicTensor; d1: SymbolicTensor} {
  const x = input({shape: [28, 28]});
  const flat = layers.reshape({targetShape: [784]}).apply(x);
  const d1 = layers.dense({units: 50, activation: 'relu'}).apply(flat);
  const d2 = layers.dense({units: 20, activation: 'tanh'}).apply(d1);
  const out = layers.dense({units: 10, activation: 'softmax'}).apply(d2);
  return {model: new Model({inputs: x, outputs: out}), x, d1};
}

test('planned predict equals the uncached path bit for bit, at batch 1, 3 and 64, and leaks nothing', () => {
  const {model} = mlp();
  for (const n of [1, 3, 64, 1]) {
    const x = tf.randomUniform([n, 28, 28], 0, 1, 'float32', n);
    checkPlanned(model, x, `batch ${n}`);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(model.predict(x));
    assert.is(tf.memory().numTensors, before, `batch ${n}: tensors left by predict`);
    x.dispose();
  }
  // Batches of predict (a slice per batch, a last short one) go through plans too.
  // (The reference runs per slice too: a product of 4 rows need not round like one of 10.)
  const x = tf.randomUniform([10, 28, 28], 0, 1, 'float32', 3);
  const parts = [0, 4, 8].map(start => {
    const slice = tf.slice(x, start, Math.min(4, 10 - start));
    const data = uncached(model, slice)[0]!;
    slice.dispose();
    return data;
  });
  const reference = [Float32Array.from(parts.flatMap(p => Array.from(p)))];
  for (let i = 0; i < 3; i++) assertSameBits(predicted(model, x, 4), reference, 'batchSize 4 of 10');
  x.dispose();
  model.dispose();
});

test('new weights reach a planned predict: setWeights, assign, fit', async () => {
  const {model} = mlp();
  const x = tf.randomUniform([2, 28, 28], 0, 1, 'float32', 1);
  const first = predicted(model, x);
  predicted(model, x); // the plan exists now
  const fresh = model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.1, 'float32', 100 + i));
  model.setWeights(fresh);
  tf.dispose(fresh);
  const after = predicted(model, x);
  assert.not.equal(Array.from(after[0]!), Array.from(first[0]!), 'setWeights did not change the prediction');
  assertSameBits(after, uncached(model, x), 'after setWeights');

  const dense = model.layers.find(l => l.getClassName() === 'Dense') as unknown as {bias: tf.Variable};
  dense.bias.assign(tf.fill(dense.bias.shape, 0.25));
  assertSameBits(predicted(model, x), uncached(model, x), 'after assign');

  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  const y = tf.oneHot(tf.tensor1d([3, 7], 'int32'), 10);
  const beforeFit = predicted(model, x);
  await model.fit(x, y, {epochs: 2, batchSize: 2, verbose: 0});
  const afterFit = predicted(model, x);
  assert.not.equal(Array.from(afterFit[0]!), Array.from(beforeFit[0]!), 'fit did not change the prediction');
  assertSameBits(afterFit, uncached(model, x), 'after fit');
  tf.dispose([x, y]);
  model.dispose();
});

test('each input signature has its own plan: shapes and dtypes', () => {
  const x = input({shape: [null, 4]});
  const out = layers.dense({units: 3}).apply(layers.dense({units: 5, activation: 'relu'}).apply(x));
  const model = new Model({inputs: x, outputs: out});
  for (const [n, t] of [
    [1, 2],
    [2, 2],
    [1, 7],
    [1, 2],
  ] as const) {
    const v = tf.randomUniform([n, t, 4], -1, 1, 'float32', n * 10 + t);
    checkPlanned(model, v, `input [${n},${t},4]`);
    v.dispose();
  }
  // An int32 input is cast to the input's dtype, planned or not.
  const ints = tf.tensor3d([[[1, 2, 3, 4]]], [1, 1, 4], 'int32');
  checkPlanned(model, ints, 'int32 input');
  ints.dispose();
  model.dispose();
});

test('the training flag: predict runs with training false; one fixed at graph build is kept', async () => {
  const x = input({shape: [100]});
  const inferenceDropout = layers.dropout({rate: 0.5}).apply(x);
  const alwaysDropout = layers.dropout({rate: 0.5}).apply(x, {training: true});
  const model = new Model({inputs: x, outputs: [inferenceDropout, alwaysDropout]});
  const v = tf.ones([4, 100]);
  for (let i = 0; i < 3; i++) {
    const [plain, dropped] = predicted(model, v);
    assert.ok(
      plain!.every(e => e === 1),
      `predict ${i + 1}: a dropout without training: true changed its input`,
    );
    assert.ok(
      dropped!.some(e => e === 0) && dropped!.some(e => e === 2),
      `predict ${i + 1}: the dropout given training: true did not drop`,
    );
  }
  // fit (training true) in between changes nothing for predict.
  model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  await model.fit(v, [v, v], {epochs: 1, verbose: 0});
  assert.ok(
    predicted(model, v)[0]!.every(e => e === 1),
    'after fit',
  );
  v.dispose();
  model.dispose();
});

test('a model made from the same layers plus one more has its own plan; the first is unchanged', () => {
  const {model, x, d1} = mlp();
  const v = tf.randomUniform([1, 28, 28], 0, 1, 'float32', 5);
  checkPlanned(model, v, 'first model');
  const extra = layers.dense({units: 4}).apply(d1);
  const bigger = new Model({inputs: x, outputs: [model.outputs[0]!, extra]});
  checkPlanned(bigger, v, 'model with one more layer');
  checkPlanned(model, v, 'first model again');
  v.dispose();
  bigger.dispose();
});

test('masks: a model whose layers make masks, and an input that carries one, match the uncached path', () => {
  const x = input({shape: [5], dtype: 'int32'});
  const e = layers.embedding({inputDim: 10, outputDim: 3, maskZero: true}).apply(x);
  const pooled = layers.globalAveragePooling1d().apply(e);
  const out = layers.dense({units: 2}).apply(pooled);
  const model = new Model({inputs: x, outputs: out});
  const ids = tf.tensor2d(
    [
      [1, 2, 0, 0, 0],
      [3, 4, 5, 6, 0],
    ],
    [2, 5],
    'int32',
  );
  checkPlanned(model, ids, 'embedding maskZero');
  // The mask changes the result (the zeros are left out of the average).
  const unmasked = tf.tidy(() => {
    const emb = model.layers[1] as unknown as {embeddings: tf.Variable};
    return tf.mean(tf.gather(emb.embeddings, ids), 1).arraySync() as number[][];
  });
  const pooledModel = new Model({inputs: x, outputs: pooled});
  const maskedPool = predicted(pooledModel, ids)[0]!;
  assert.ok(Math.abs(maskedPool[0]! - unmasked[0]![0]!) > 1e-6, 'the mask was not used');
  ids.dispose();

  // A mask attached to predict's input reaches a layer that supports masking.
  const y = input({shape: [4, 3]});
  const poolModel = new Model({inputs: y, outputs: layers.globalAveragePooling1d().apply(y)});
  const v = tf.tensor3d([
    [
      [1, 1, 1],
      [2, 2, 2],
      [3, 3, 3],
      [40, 40, 40],
    ],
  ]);
  checkPlanned(poolModel, v, 'no mask');
  const mask = tf.tensor2d([[true, true, true, false]], [1, 4], 'bool');
  setMask(v, mask);
  assert.ok(getMask(v));
  for (let i = 0; i < 2; i++) assertSameBits(predicted(poolModel, v), [new Float32Array([2, 2, 2])], 'masked input');
  tf.dispose([v, mask]);
  model.dispose();
  pooledModel.dispose();
  poolModel.dispose();
});

test('several outputs and several inputs, by list and by name', () => {
  const a = input({shape: [3], name: 'a'});
  const b = input({shape: [2], name: 'b'});
  const joined = layers.concatenate().apply([a, b]);
  const h = layers.dense({units: 4, activation: 'relu'}).apply(joined);
  const model = new Model({inputs: [a, b], outputs: [h, layers.dense({units: 1}).apply(h)]});
  const va = tf.randomUniform([2, 3], -1, 1, 'float32', 1);
  const vb = tf.randomUniform([2, 2], -1, 1, 'float32', 2);
  checkPlanned(model, [va, vb], 'two inputs, two outputs');
  const reference = uncached(model, [va, vb]);
  const byName = model.predict({a: va, b: vb}) as tf.Tensor[];
  assertSameBits(
    byName.map(t => t.dataSync() as Float32Array),
    reference,
    'inputs by name',
  );
  tf.dispose([...byName, va, vb]);
  model.dispose();
});

test('a weight disposed after the plan was made: predict throws naming it, and leaves nothing', () => {
  const {model} = mlp();
  const v = tf.randomUniform([1, 28, 28], 0, 1, 'float32', 9);
  predicted(model, v);
  predicted(model, v);
  const dense = model.layers.find(l => l.getClassName() === 'Dense') as unknown as {kernel: tf.Variable};
  dense.kernel.dispose();
  const before = tf.memory().numTensors;
  assert.throws(() => model.predict(v), /predict\(\): weight '.*kernel.*' of layer 'dense.*' is disposed/);
  assert.is(tf.memory().numTensors, before);
  model.dispose();
  assert.throws(() => model.predict(v), /predict\(\) on a disposed model/);
  v.dispose();
});

test.run();
