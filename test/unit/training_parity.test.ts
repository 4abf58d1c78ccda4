// Parity with tfjs-layers: the same architecture with the same initial weights, trained by
// tfjs-layers' LayersModel.fit and by ours with sgd, adam and rmsprop (by name: both give them the
// same defaults), shuffle off, gives the same loss history and the same weights (1e-4) after 3
// epochs. Both run on the same backend, so this compares the training loops, not kernels.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import {input, layers, Model} from '../../src/keras/index.js';

const N = 50,
  D = 7,
  H = 11,
  C = 3;

function data() {
  const x = tf.randomNormal([N, D], 0, 1, 'float32', 21);
  const labels = tf.argMax(tf.matMul(x, tf.randomNormal([D, C], 0, 1, 'float32', 22)), -1);
  return {x, y: tf.cast(tf.oneHot(labels, C), 'float32')};
}

function ours() {
  const inp = input({shape: [D]});
  const h = layers.dense({units: H, activation: 'relu'}).apply(inp);
  const out = layers.dense({units: C, activation: 'softmax'}).apply(h);
  return new Model({inputs: inp, outputs: out});
}

function theirs() {
  const inp = tfl.input({shape: [D]});
  const h = tfl.layers.dense({units: H, activation: 'relu'}).apply(inp) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({units: C, activation: 'softmax'}).apply(h) as tfl.SymbolicTensor;
  return tfl.model({inputs: inp, outputs: out});
}

const flat = (ws: tf.Tensor[]) => ws.flatMap(w => Array.from(w.dataSync()));

function maxDiff(a: number[], b: number[]): number {
  assert.is(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

for (const backend of ['cpu', 'as']) {
  for (const optimizer of ['sgd', 'adam', 'rmsprop'] as const) {
    test(`${optimizer} on '${backend}': same loss history and weights as tfjs-layers after 3 epochs`, async () => {
      await tf.setBackend(backend);
      const {x, y} = data();
      const a = ours(),
        b = theirs();
      const init = a.getWeights(); // kernel, bias, kernel, bias: tfjs-layers' order too
      b.setWeights(init);
      a.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
      b.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
      const config = {epochs: 3, batchSize: 8, shuffle: false, verbose: 0 as const};
      const ha = await a.fit(x, y, config);
      const hb = await b.fit(x, y, config);
      const lossA = ha.history.loss!,
        lossB = hb.history.loss as number[];
      assert.ok(maxDiff(lossA, lossB) < 1e-4, `loss ${lossA} vs ${lossB}`);
      assert.ok(
        maxDiff(ha.history.accuracy!, (hb.history.acc as number[]) ?? (hb.history.accuracy as number[])) < 1e-6,
        'accuracy',
      );
      const wa = a.getWeights(),
        wb = b.getWeights();
      const d = maxDiff(flat(wa), flat(wb));
      assert.ok(d < 1e-4, `weights differ by ${d}`);
      assert.ok(maxDiff(flat(wa), flat(init)) > 1e-3, 'and they did train');
      tf.dispose([x, y, ...init, ...wa, ...wb]);
    });
  }
}

test.run();
