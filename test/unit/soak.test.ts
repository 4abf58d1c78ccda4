// A 10,000-step soak of a small Keras model with a loss added in call() (addLoss from a hidden
// layer), a symbolic addLoss and a kernel regularizer: after a warm-up, the number of tensors,
// their bytes and the size of the WebAssembly heap are the same at the end of every epoch.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import '../../src/index.js';
import {memoryOf} from '../../src/backend/heap.js';
import {input, K, Layer, layers, Model, regularizers} from '../../src/keras/index.js';

await tf.setBackend('as');

/** A dense layer that adds an activity penalty from inside call() (Keras' addLoss in a hidden layer). */
class PenalizedDense extends Layer {
  kernel!: tf.Variable;
  override build(shape: (number | null)[]) {
    this.kernel = this.addWeight('kernel', [shape[shape.length - 1]!, 8], {regularizer: regularizers.l2(1e-3)});
  }
  override call(x: tf.Tensor) {
    const y = tf.relu(tf.matMul(x, this.kernel));
    this.addLoss(tf.mul(1e-4, tf.mean(tf.square(y))));
    return y;
  }
}

test('10,000 training steps: tensors, bytes and heap stay flat after warm-up', async () => {
  const x = input({shape: [6]});
  const hidden = new PenalizedDense({name: 'penalized'}).apply(x) as never;
  const out = layers.dense({units: 3, activation: 'softmax', kernelRegularizer: regularizers.l2(1e-3)}).apply(hidden);
  const model = new Model({inputs: x, outputs: out});
  model.addLoss(K.mul(1e-4, K.mean(K.square(hidden))) as never);
  model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const xs = tf.randomUniform([128, 6], -1, 1, 'float32', 1);
  const ys = tf.oneHot(tf.randomUniform([128], 0, 3, 'int32', 2) as tf.Tensor1D, 3);
  const heap = memoryOf(tf.backend() as BackendWasm);
  const samples: {tensors: number; bytes: number; heap: number}[] = [];
  const epochs = 2500,
    batchSize = 32; // 4 steps an epoch: 10,000 steps
  const history = await model.fit(xs, ys, {
    batchSize,
    epochs,
    verbose: 0,
    seed: 3,
    callbacks: {
      onEpochEnd: () => {
        samples.push({tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, heap: heap.buffer.byteLength});
      },
    },
  });
  assert.is(history.epoch.length, epochs);
  const warm = samples[10]!;
  for (let e = 10; e < samples.length; e++) {
    assert.equal(
      samples[e],
      warm,
      `epoch ${e}: ${JSON.stringify(samples[e])} vs ${JSON.stringify(warm)} after warm-up`,
    );
  }
  assert.ok(history.loss![epochs - 1]! < history.loss![0]!, 'it trains');
  model.dispose();
  tf.dispose([xs, ys]);
});

test.run();
