// Shared by the stress reproductions (npm run test:stress; each file runs alone in its process,
// on a fresh heap: dlmalloc fragments a 4 GiB heap differently after each reproduction). Before
// the checked allocation path each one lost data silently, hung, or left the backend unusable;
// now each is a RangeError that names the op, the canary keeps its values and the next op works.
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js'; // registers 'as'

await tf.setBackend('as');
const canary = tf.tensor1d([10, 20, 30, 40]);

/** The canary kept its values and a small product still computes right. */
export function healthy(context: string): void {
  assert.equal(Array.from(canary.dataSync()), [10, 20, 30, 40], `${context}: canary`);
  const y = tf.tidy(() =>
    Array.from(
      tf
        .matMul(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor2d([
            [5, 6],
            [7, 8],
          ]),
        )
        .dataSync(),
    ),
  );
  assert.equal(y, [19, 22, 43, 50], `${context}: the next op`);
}

/** A matcher for assert.throws: a RangeError from `op` that says what it could not allocate. */
export const outOfMemory = (op: string) => (e: Error) =>
  e instanceof RangeError && e.message.startsWith(`${op}: `) && /cannot allocate/.test(e.message);
