// npm run test:stress: one out-of-memory reproduction at its real size (test/stress/helpers.ts).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {randomBinomial} from '../../src/index.js';
import {healthy} from './helpers.js';

test('randomBinomial past 2^31 elements (bool) counts them all: the kernel takes an unsigned count', () => {
  const n = 2 ** 31 + 4099;
  const bits = randomBinomial([n], 0.5, {seed: 11, dtype: 'bool'});
  try {
    const tail = Array.from(tf.slice(bits, [n - 4096], [4096]).dataSync());
    const ones = tail.reduce((a, b) => a + b, 0);
    assert.ok(ones > 1800 && ones < 2300, `the last 4096 draws have ${ones} ones`);
    healthy('big randomBinomial');
  } finally {
    bits.dispose();
  }
});

test.run();
