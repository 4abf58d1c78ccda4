// Built-in layers against tfjs-layers with the same weights: a two-input Dense / Reshape /
// Flatten / Concatenate model, every Dense activation, Dropout only in training. On 'as' and 'cpu'.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import {K, Model, input, layers} from '../../src/keras/index.js';

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.equal(a.shape, b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

for (const backend of ['as', 'cpu']) {
  test(`[${backend}] Dense/Reshape/Flatten/Concatenate model predicts what tfjs-layers predicts`, async () => {
    await tf.setBackend(backend);
    K.clearSession();
    // Ours.
    const a = input({shape: [4, 6]}),
      b = input({shape: [3, 5]});
    const ha = layers.dense({units: 16, activation: 'relu'}).apply(layers.reshape({targetShape: [24]}).apply(a));
    const hb = layers.dense({units: 8, activation: 'sigmoid'}).apply(layers.flatten().apply(b));
    const hc = layers.dense({units: 7, activation: 'tanh'}).apply(b); // Dense on rank 3
    const cat = layers.concatenate().apply([ha, hb, layers.flatten().apply(hc)]);
    const out = layers.dense({units: 5, activation: 'softmax'}).apply(cat);
    const ours = new Model({inputs: [a, b], outputs: out});
    // tfjs-layers, same graph.
    const ta = tfl.input({shape: [4, 6]}),
      tb = tfl.input({shape: [3, 5]});
    const tha = tfl.layers
      .dense({units: 16, activation: 'relu'})
      .apply(tfl.layers.reshape({targetShape: [24]}).apply(ta)) as tfl.SymbolicTensor;
    const thb = tfl.layers
      .dense({units: 8, activation: 'sigmoid'})
      .apply(tfl.layers.flatten().apply(tb)) as tfl.SymbolicTensor;
    const thc = tfl.layers.dense({units: 7, activation: 'tanh'}).apply(tb) as tfl.SymbolicTensor;
    const tcat = tfl.layers
      .concatenate()
      .apply([tha, thb, tfl.layers.flatten().apply(thc) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const tout = tfl.layers.dense({units: 5, activation: 'softmax'}).apply(tcat) as tfl.SymbolicTensor;
    const theirs = tfl.model({inputs: [ta, tb], outputs: tout});
    // Same weights, dense by dense in graph order.
    const ourDense = ours.layers.filter(l => l.getClassName() === 'Dense');
    const theirDense = theirs.layers.filter(l => l.getClassName() === 'Dense');
    assert.is(ourDense.length, 4);
    assert.is(theirDense.length, 4);
    ourDense.forEach((l, i) => {
      theirDense[i].setWeights(l.weights);
    });
    assert.is(ours.countParams(), theirs.countParams());
    const xa = tf.randomNormal([37, 4, 6], 0, 1, 'float32', 1),
      xb = tf.randomNormal([37, 3, 5], 0, 1, 'float32', 2);
    const p = ours.predict([xa, xb], {batchSize: 16}) as tf.Tensor;
    const q = theirs.predict([xa, xb], {batchSize: 16}) as tf.Tensor;
    const d = maxDiff(p, q);
    assert.ok(d < 1e-5, `max |ours - tfjs-layers| = ${d}`);
    tf.dispose([xa, xb, p, q, ours.weights]);
    theirs.dispose();
  });

  test(`[${backend}] every Dense activation equals tfjs-layers' (leakyRelu: tf.leakyRelu, alpha 0.2)`, async () => {
    await tf.setBackend(backend);
    const x = tf.randomNormal([9, 13], 0, 2, 'float32', 3);
    for (const activation of [
      'linear',
      'relu',
      'relu6',
      'elu',
      'selu',
      'sigmoid',
      'tanh',
      'softmax',
      'softplus',
      'leakyRelu',
    ] as const) {
      const ours = layers.dense({units: 11, activation});
      const y = ours.apply(x);
      let ref: tf.Tensor;
      if (activation === 'leakyRelu') {
        ref = tf.tidy(() => tf.leakyRelu(tf.add(tf.matMul(x, ours.weights[0]), ours.weights[1]), 0.2));
      } else {
        const theirs = tfl.layers.dense({units: 11, activation: activation as 'relu', inputShape: [13]});
        theirs.apply(tfl.input({shape: [13]}));
        theirs.setWeights(ours.weights);
        ref = theirs.apply(x) as tf.Tensor;
        theirs.dispose();
      }
      const d = maxDiff(y, ref);
      assert.ok(d < 1e-5, `${activation}: ${d}`);
      // The same while recording gradients (then tfjs only fuses a linear activation).
      const g = tf.variableGrads(() => tf.sum(ours.apply(x) as tf.Tensor) as tf.Scalar, ours.trainableWeights);
      assert.equal(Object.keys(g.grads).length, 2, `${activation} gradients`);
      tf.dispose([y, ref, g.value, Object.values(g.grads), ours.weights]);
    }
    x.dispose();
  });

  test(`[${backend}] Activation layer and Dropout (identity unless training; rate of zeros, scale 1/(1-rate))`, async () => {
    await tf.setBackend(backend);
    const x = tf.randomNormal([40, 50], 0, 1, 'float32', 4);
    for (const activation of ['relu', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'softplus', 'linear'] as const) {
      const y = layers.activation({activation}).apply(x);
      const ref = tfl.layers.activation({activation: activation as 'relu'}).apply(x) as tf.Tensor;
      assert.ok(maxDiff(y, ref) < 1e-5, activation);
      tf.dispose([y, ref]);
    }
    const drop = layers.dropout({rate: 0.4});
    const same = drop.apply(x);
    assert.is(maxDiff(same, x), 0);
    const ones = tf.ones([100, 100]);
    const dropped = drop.apply(ones, {training: true}).dataSync();
    assert.ok(dropped.every(v => v === 0 || Math.abs(v - 1 / 0.6) < 1e-6));
    const zeros = dropped.filter(v => v === 0).length / dropped.length;
    assert.ok(Math.abs(zeros - 0.4) < 0.02, `dropped ${zeros}`);
    tf.dispose([x, same, ones]);
  });
}

test('layer construction errors name the layer and the bad value', () => {
  assert.throws(
    () => layers.dense({units: 0}),
    /Layer 'dense(_\d+)?' \(Dense\): units must be a positive integer, got 0/,
  );
  // @ts-expect-error -- an unknown activation name is a type error too
  assert.throws(() => layers.dense({units: 2, activation: 'swishy'}), /unknown activation 'swishy'/);
  assert.throws(() => layers.dropout({rate: 1}), /rate must be in \[0, 1\), got 1/);
  assert.throws(() => layers.reshape({targetShape: [-1, -1]}), /at most one -1/);
  assert.throws(
    () => layers.reshape({targetShape: [7]}).apply(input({shape: [10]})),
    /cannot reshape input shape \[null,10\] \(10 values per sample\) to \[null,7\]/,
  );
  assert.throws(
    () => layers.concatenate().apply([input({shape: [2, 3]}), input({shape: [4, 3]})]),
    /Layer 'concatenate(_\d+)?' \(Concatenate\).*inputs must match in every axis but -1, got shapes \[\[null,2,3\], \[null,4,3\]\]/,
  );
  assert.equal(layers.reshape({targetShape: [-1, 5]}).apply(input({shape: [10]})).shape, [null, 2, 5]);
  assert.equal(layers.lambda(x => tf.mul(x as tf.Tensor, 2), {outputShape: [10]}).apply(input({shape: [10]})).shape, [
    null,
    10,
  ]);
  assert.equal(
    layers
      .lambda((x, args) => tf.mul(x as tf.Tensor, args.k as number), {arguments: {k: 3}})
      .apply(tf.ones([1, 2]))
      .dataSync()[0],
    3,
  );
});

test.run();
