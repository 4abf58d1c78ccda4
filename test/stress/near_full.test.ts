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

test('an RMSprop update and a dropout on a nearly full heap: were a hang and a trap', () => {
  const fill: tf.Tensor[] = [];
  const size = 16 * 2 ** 20;   // 64 MiB float32 tensors
  const w = tf.fill([size], 1);
  try {
    // Fill the heap until it refuses, then free one: room for one more tensor of w's size, not two.
    try {
      for (let i = 0; i < 80; i++) fill.push(tf.fill([size], i));
    } catch (e) {
      assert.instance(e, RangeError);
    }
    tf.dispose(fill.splice(fill.length - 1, 1));
    assert.throws(() => tf.tidy(() => { tf.engine().runKernel(RMSPROP_UPDATE, {value: w, gradient: w, meanSquare: w, moment: w},
      {learningRate: 0.01, decay: 0.9, momentum: 0, epsilon: 1e-7} as never); }), outOfMemory(RMSPROP_UPDATE));
    healthy('rmsprop');
    assert.throws(() => tf.tidy(() => { dropout(w, 0.5, {seed: 1}); dropout(w, 0.5, {seed: 2}); }),
      outOfMemory('Dropout'));
    healthy('dropout');
    fill.forEach((t, i) => assert.equal(Array.from(tf.slice(t, [size - 1], [1]).dataSync()), [i]));
  } finally {
    tf.dispose([w, ...fill]);
  }
});

test.run();
