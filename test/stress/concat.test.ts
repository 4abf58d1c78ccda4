// npm run test:stress: one out-of-memory reproduction at its real size (test/stress/helpers.ts).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {healthy, outOfMemory} from './helpers.js';

test('concat of two 1.5 GiB tensors: was silent corruption', () => {
  const p = tf.fill([384 * 2 ** 20], 1),
    q = tf.fill([384 * 2 ** 20], 2);
  try {
    assert.throws(() => tf.concat([p, q]), outOfMemory('Concat'));
    healthy('concat');
  } finally {
    tf.dispose([p, q]);
  }
});

test.run();
