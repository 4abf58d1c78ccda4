// npm run test:stress: one out-of-memory reproduction at its real size (test/stress/helpers.ts).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {dropout} from '../../src/index.js';
import {RMSPROP_UPDATE} from '../../src/kernel_names.js';
import {healthy, outOfMemory} from './helpers.js';

test('an RMSprop update and a dropout on a nearly full heap: were a hang and a trap', () => {
  const fill: tf.Tensor[] = [];
  const size = 16 * 2 ** 20; // 64 MiB float32 tensors
  const w = tf.fill([size], 1);
  try {
    // Fill the heap until it refuses, then free one: room for one more tensor of w's size, not two.
    try {
      for (let i = 0; i < 80; i++) fill.push(tf.fill([size], i));
    } catch (e) {
      assert.instance(e, RangeError);
    }
    tf.dispose(fill.splice(fill.length - 1, 1));
    assert.throws(
      () =>
        tf.tidy(() => {
          tf.engine().runKernel(RMSPROP_UPDATE, {value: w, gradient: w, meanSquare: w, moment: w}, {
            learningRate: 0.01,
            decay: 0.9,
            momentum: 0,
            epsilon: 1e-7,
          } as never);
        }),
      outOfMemory(RMSPROP_UPDATE),
    );
    healthy('rmsprop');
    assert.throws(
      () =>
        tf.tidy(() => {
          dropout(w, 0.5, {seed: 1});
          dropout(w, 0.5, {seed: 2});
        }),
      outOfMemory('Dropout'),
    );
    healthy('dropout');
    fill.forEach((t, i) => {
      assert.equal(Array.from(tf.slice(t, [size - 1], [1]).dataSync()), [i]);
    });
  } finally {
    tf.dispose([w, ...fill]);
  }
});

test.run();
