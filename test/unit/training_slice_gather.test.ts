// The 'as' Identity (shared data, no copy), Slice and GatherV2 kernels (heap memmoves that make
// fit's batches cheap) against
// tfjs-backend-cpu: contiguous and strided slices, every dtype, zero-size, primes, gather along
// every axis with multi-dimensional indices, the fallbacks, the out-of-range error, no leaks.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/index.js';

async function onBoth<T extends tf.Tensor>(make: () => T, op: (x: T) => tf.Tensor): Promise<void> {
  const result: {shape: number[]; dtype: string; values: unknown[]}[] = [];
  for (const backend of ['cpu', 'as']) {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const y = op(make());
      result.push({shape: y.shape, dtype: y.dtype, values: Array.from(y.dataSync() as ArrayLike<unknown>)});
    });
    assert.is(tf.memory().numTensors, before, `${backend}: no leak`);
  }
  assert.equal(result[1], result[0]);
}

const ramp =
  (shape: number[], dtype: 'float32' | 'int32' | 'bool' = 'float32') =>
  () => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = Array.from({length: n}, (_, i) =>
      dtype === 'bool' ? i % 3 === 0 : dtype === 'int32' ? i * 7 - 50 : i * 0.5 - 3,
    );
    return tf.tensor(v as number[], shape, dtype);
  };

test('slice: contiguous (rows, whole, empty) and strided slices of every dtype equal tfjs-backend-cpu', async () => {
  const cases: [number[], number[], number[]][] = [
    [
      [8000, 7],
      [64, 0],
      [64, 7],
    ],
    [
      [13, 5, 3],
      [4, 0, 0],
      [6, -1, -1],
    ],
    [
      [13, 5, 3],
      [2, 1, 0],
      [3, 2, 3],
    ],
    [
      [13, 5, 3],
      [0, 0, 1],
      [13, 5, 1],
    ],
    [[17], [3], [11]],
    [[17], [0], [-1]],
    [
      [5, 4],
      [5, 0],
      [0, 4],
    ],
    [
      [1, 1],
      [0, 0],
      [1, 1],
    ],
    [
      [6, 0, 3],
      [1, 0, 0],
      [2, 0, 3],
    ],
    [
      [4, 6],
      [1, 2],
      [2, 3],
    ],
  ];
  for (const [shape, begin, size] of cases) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      await onBoth(ramp(shape, dtype), x => tf.slice(x, begin, size));
    }
  }
});

test('gather: every axis, multi-dimensional indices, tiny slices, batchDims all equal tfjs-backend-cpu', async () => {
  const idx = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');
  await onBoth(ramp([8000, 13]), x => tf.gather(x, idx([7999, 0, 5, 5, 123])));
  await onBoth(ramp([7, 5, 6]), x => tf.gather(x, idx([4, 0, 2, 4], [2, 2]), 1));
  await onBoth(ramp([7, 5, 6], 'int32'), x => tf.gather(x, idx([1, 3]), 2));
  await onBoth(ramp([7, 5, 6], 'int32'), x => tf.gather(x, idx([1, 3]), -1));
  await onBoth(ramp([4, 9]), x => tf.gather(x, idx([8, 0, 3, 3, 1, 2, 7, 8], [4, 2]), 1, -1));
  await onBoth(ramp([7, 5, 6], 'bool'), x => tf.gather(x, idx([6, 1, 1])));
  await onBoth(ramp([7, 5]), x => tf.gather(x, idx([]), 0));
  await onBoth(ramp([4, 5, 3]), x => tf.gather(x, idx([1, 0, 2, 2, 0, 1, 0, 0, 0, 2, 2, 2], [4, 3]), 2, 1));
  await onBoth(ramp([3, 0, 2]), x => tf.gather(x, idx([2, 0])));
});

test('gather: an index out of range throws the same error as tfjs-backend-wasm', async () => {
  await tf.setBackend('as');
  const x = tf.zeros([4, 8]);
  assert.throws(() => tf.gather(x, tf.tensor1d([1, 4], 'int32')), /GatherV2: the index value 4 is not in \[0, 3\]/);
  assert.throws(() => tf.gather(x, tf.tensor1d([-1], 'int32')), /GatherV2: the index value -1 is not in \[0, 3\]/);
  x.dispose();
});

test('gradients through slice still flow (tfjs-backend-wasm has no UnsortedSegmentSum, so gather has none on wasm or as)', async () => {
  for (const backend of ['cpu', 'as']) {
    await tf.setBackend(backend);
    const g = tf.tidy(() => {
      const x = tf.reshape(tf.range(0, 12), [4, 3]);
      return tf.grad((t: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.slice(t, [1, 0], [3, 2]),
            tf.tensor2d([
              [1, 1],
              [0, 0],
              [2, 2],
            ]),
          ),
        ),
      )(x);
    });
    assert.equal(Array.from(g.dataSync()), [0, 0, 0, 1, 1, 0, 0, 0, 0, 2, 2, 0]);
    g.dispose();
  }
});

test('identity (tf.clone) shares the data: one buffer, values equal, either side may be disposed first', async () => {
  await tf.setBackend('as');
  const before = tf.memory();
  const a = tf.tensor2d([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = tf.clone(a);
  assert.equal(Array.from(b.dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.is(
    (tf.memory() as {numDataBuffers: number}).numDataBuffers - (before as {numDataBuffers: number}).numDataBuffers,
    1,
    'one buffer for both',
  );
  a.dispose();
  assert.equal(Array.from(b.dataSync()), [1, 2, 3, 4, 5, 6], 'the clone outlives the original');
  const v: tf.Variable = tf.variable(b);
  b.dispose();
  const doubled = tf.mul(v, 2);
  v.assign(doubled);
  doubled.dispose();
  assert.equal(Array.from(v.dataSync()), [2, 4, 6, 8, 10, 12]);
  v.dispose();
  assert.is(tf.memory().numTensors, before.numTensors);
  assert.is(tf.memory().numBytes, before.numBytes);
  const str = tf.tensor1d(['x', 'y'], 'string'),
    s = tf.clone(str);
  assert.equal(await s.array(), ['x', 'y']);
  tf.dispose([str, s]);
});

test.run();
