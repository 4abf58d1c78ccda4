// The classic tfjs MNIST CNN (examples/data/mnist_cnn.ts) trains on 'as' in tfjs-layers: one SGD
// step moves every weight as it does on tfjs-backend-cpu, and a few hundred real digits bring
// the loss down. (Its speed and its accuracy after 3 epochs: npm run bench -- train.)
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/index.js';
import {loadMnist, toTensors} from '../../src/bench/mnist.js';
import {buildTflCnn} from '../../src/bench/mnist_cnn.js';

const {train} = loadMnist({trainSize: 512, testSize: 16, seed: 3});

async function oneStep(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = buildTflCnn(7);
  const optimizer = tf.train.sgd(0.1);
  model.compile({optimizer, loss: 'categoricalCrossentropy'});
  const {xs, ys} = toTensors(train);
  const x = tf.tidy(() => tf.reshape(tf.slice(xs, 0, 8), [8, 28, 28, 1])),
    y = tf.slice(ys, 0, 8);
  await model.fit(x, y, {batchSize: 8, epochs: 1, shuffle: false, verbose: 0});
  const weights = model.getWeights().map(w => w.dataSync() as Float32Array);
  tf.dispose([xs, ys, x, y]);
  model.dispose();
  optimizer.dispose(); // passed in, so model.dispose() leaves it to us
  return weights;
}

test('one SGD step of the MNIST CNN moves every weight as on tfjs-backend-cpu', async () => {
  const cpu = await oneStep('cpu');
  await oneStep('as'); // tfjs-layers keeps a few tensors per backend the first time (cached constants)
  const before = tf.memory().numTensors;
  const ours = await oneStep('as');
  assert.is(ours.length, 8);
  ours.forEach((w, i) => {
    assert.is(w.length, cpu[i]!.length);
    const scale = cpu[i]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let j = 0; j < w.length; j++) {
      if (!(Math.abs(w[j]! - cpu[i]![j]!) <= 1e-4 * scale + 1e-6)) {
        assert.unreachable(`weight ${i} element ${j}: ${w[j]} on 'as', ${cpu[i]![j]} on cpu`);
      }
    }
  });
  assert.is(tf.memory().numTensors, before, `tensors left behind on as: ${tf.memory().numTensors} vs ${before}`);
});

test('the MNIST CNN learns on as: loss falls over 2 epochs of 512 real digits', async () => {
  await tf.setBackend('as');
  const model = buildTflCnn(1);
  model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const {xs, ys} = toTensors(train);
  const x = tf.reshape(xs, [train.count, 28, 28, 1]);
  const history = await model.fit(x, ys, {batchSize: 64, epochs: 2, shuffle: false, verbose: 0});
  const loss = history.history.loss as number[];
  assert.ok(loss.every(Number.isFinite), `losses ${loss}`);
  assert.ok(loss[1]! < loss[0]! * 0.8, `loss did not fall: ${loss}`);
  tf.dispose([xs, ys, x]);
  model.dispose();
});

test.run();
