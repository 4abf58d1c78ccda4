// npm run test:stress: one out-of-memory reproduction at its real size (test/stress/helpers.ts).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {randomBinomial} from '../../src/index.js';
import {healthy, outOfMemory} from './helpers.js';

test('sizes of 2^32 bytes and more: were wrap-around garbage and out-of-bounds traps', () => {
  assert.throws(() => randomBinomial([1e6, 1e6], 0.5), outOfMemory('RandomBinomial'));
  assert.throws(() => randomBinomial([65536, 16384], 0.5), outOfMemory('RandomBinomial'));
  assert.throws(() => tf.tidy(() => tf.matMul(tf.ones([32768, 1]), tf.ones([1, 32768]))), outOfMemory('BatchMatMul'));
  healthy('sizes');
});

test.run();
