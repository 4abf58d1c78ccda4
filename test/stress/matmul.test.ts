// npm run test:stress (one reproduction per file: each needs a fresh heap, as dlmalloc fragments a
// 4 GiB heap differently after each one): the out-of-memory reproductions of the heap-corruption report, at their
// real sizes (2-4 GiB of heap each; not part of npm test). Before the checked allocation path
// each one lost data silently, hung, or left the backend unusable; now each is a RangeError that
// names the op, the canary keeps its values and the next op works.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js';   // registers 'as'
import {dropout, randomBinomial} from '../../src/index.js';
import {RMSPROP_UPDATE} from '../../src/kernel_names.js';

await tf.setBackend('as');
const canary = tf.tensor1d([10, 20, 30, 40]);

function healthy(context: string): void {
  assert.equal(Array.from(canary.dataSync()), [10, 20, 30, 40], `${context}: canary`);
  const y = tf.tidy(() => Array.from(tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).dataSync()));
  assert.equal(y, [19, 22, 43, 50], `${context}: the next op`);
}

const outOfMemory = (op: string) => (e: Error) => e instanceof RangeError && e.message.startsWith(`${op}: `) &&
  /cannot allocate/.test(e.message);

test('matMul whose output cannot be allocated next to a live 2 GiB tensor: was a write into it', () => {
  const big = tf.fill([512 * 2 ** 20], 7);
  try {
    assert.throws(() => tf.tidy(() => { tf.matMul(tf.ones([24576, 1]), tf.ones([1, 24576])); }), outOfMemory('BatchMatMul'));
    assert.equal(Array.from(tf.slice(big, [512 * 2 ** 20 - 3], [3]).dataSync()), [7, 7, 7]);
    healthy('matMul');
  } finally {
    big.dispose();
  }
});

test.run();
