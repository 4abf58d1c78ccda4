// npm run test:stress: one out-of-memory reproduction at its real size (test/stress/helpers.ts).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {healthy, outOfMemory} from './helpers.js';

test('matMul whose output cannot be allocated next to a live 2 GiB tensor: was a write into it', () => {
  const big = tf.fill([512 * 2 ** 20], 7);
  try {
    assert.throws(
      () =>
        tf.tidy(() => {
          tf.matMul(tf.ones([24576, 1]), tf.ones([1, 24576]));
        }),
      outOfMemory('BatchMatMul'),
    );
    assert.equal(Array.from(tf.slice(big, [512 * 2 ** 20 - 3], [3]).dataSync()), [7, 7, 7]);
    healthy('matMul');
  } finally {
    big.dispose();
  }
});

test.run();
