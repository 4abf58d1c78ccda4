// Concat on 'as' against tfjs-backend-cpu: random ranks, axes (negative too), dtypes, zero-size
// parts, many parts; the string fallback; gradients; bad input; no leaked tensors.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {backendInfo} from '../../src/index.js';

// A small deterministic generator, so a failure can be replayed.
let state = 12345;
const rand = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32;
};
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

type Dtype = 'float32' | 'int32' | 'bool';
interface Part {
  shape: number[];
  dtype: Dtype;
  values: number[];
}

function values(n: number, dtype: Dtype): number[] {
  return Array.from({length: n}, () =>
    dtype === 'bool'
      ? randInt(0, 1)
      : dtype === 'int32'
        ? randInt(-1000, 1000)
        : ([NaN, Infinity, -0][randInt(0, 40)] ?? (rand() - 0.5) * 100),
  );
}

async function onBackend(
  backend: string,
  parts: Part[],
  axis: number,
): Promise<{shape: number[]; dtype: string; data: number[]}> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts = parts.map(p => tf.tensor(p.values, p.shape, p.dtype));
    const y = tf.concat(ts, axis);
    return {shape: y.shape, dtype: y.dtype, data: Array.from(y.dataSync())};
  });
}

function same(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

test('random ranks, axes (incl. negative), dtypes, zero-size parts: as equals cpu', async () => {
  for (let trial = 0; trial < 150; trial++) {
    const rank = randInt(1, 5);
    const base = Array.from(
      {length: rank},
      () => [0, 1, 2, 3, 5, 7, 13][randInt(0, 6)] * (randInt(0, 9) === 0 ? 0 : 1) || randInt(1, 4),
    );
    if (randInt(0, 10) === 0) base[randInt(0, rank - 1)] = 0; // an empty output now and then
    const axis = randInt(-rank, rank - 1);
    const ax = axis < 0 ? axis + rank : axis;
    const dtype = (['float32', 'int32', 'bool'] as const)[randInt(0, 2)];
    const parts: Part[] = Array.from({length: randInt(1, 5)}, () => {
      const shape = base.slice();
      shape[ax] = [0, 1, 2, 3, 4, 17, 64][randInt(0, 6)];
      return {
        shape,
        dtype,
        values: values(
          shape.reduce((a, b) => a * b, 1),
          dtype,
        ),
      };
    });
    const want = await onBackend('cpu', parts, axis);
    const got = await onBackend('as', parts, axis);
    const label = `trial ${trial}: ${parts.map(p => `[${p.shape}]`).join(' ')} axis ${axis} ${dtype}`;
    assert.equal(got.shape, want.shape, label);
    assert.is(got.dtype, want.dtype, label);
    assert.ok(same(got.data, want.data), label);
  }
});

test('the two shapes of the benchmark and many parts', async () => {
  for (const [shapes, axis] of [
    [
      [
        [64, 100],
        [64, 80],
      ],
      -1,
    ],
    [
      [
        [4096, 100],
        [4096, 80],
      ],
      1,
    ],
    [Array.from({length: 100}, () => [1, 3]), 0],
    [Array.from({length: 40}, (_, i) => [2, i % 3, 5]), 1],
  ] as const) {
    const parts = shapes.map(s => ({
      shape: [...s],
      dtype: 'float32' as const,
      values: values(
        s.reduce((a, b) => a * b, 1),
        'float32',
      ),
    }));
    const want = await onBackend('cpu', parts, axis);
    const got = await onBackend('as', parts, axis);
    assert.equal(got.shape, want.shape);
    assert.ok(same(got.data, want.data));
  }
});

test('the kernel runs in AssemblyScript; strings use the inherited tfjs-backend-wasm kernel', async () => {
  assert.ok(backendInfo().kernels.includes('Concat'));
  await tf.setBackend('as');
  const y = tf.concat([tf.tensor([['a', 'b']]), tf.tensor([['c', 'd']])], 0);
  assert.equal(await y.array(), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
  const z = tf.concat([tf.tensor([['a', 'b']]), tf.tensor([['c']])], 1);
  assert.equal(await z.array(), [['a', 'b', 'c']]);
  tf.dispose([y, z]);
});

test('gradient of concat (tfjs-core registry) flows through the AS kernel', async () => {
  await tf.setBackend('as');
  const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]),
    b = tf.tensor2d([[5], [6]]);
  const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
    tf.sum(
      tf.mul(
        tf.concat([x, y], -1),
        tf.tensor2d([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ),
    ),
  )([a, b]);
  assert.equal(await ga.array(), [
    [1, 2],
    [4, 5],
  ]);
  assert.equal(await gb.array(), [[3], [6]]);
  tf.dispose([a, b, ga, gb]);
});

test('bad input: mismatched shapes, ranks, dtypes and axes name Concat, the tensor and the shapes; nothing leaks', async () => {
  await tf.setBackend('as');
  const a = tf.zeros([2, 3]),
    b = tf.zeros([3, 3]),
    c = tf.zeros([2, 3, 1]),
    d = tf.zeros([2, 3], 'int32');
  const before = tf.memory().numTensors;
  assert.throws(
    () => tf.concat([a, b], 1),
    /Concat: tensors\[1\] of shape \[3,3\] does not match tensors\[0\] of shape \[2,3\] outside the concat axis 1/,
  );
  assert.throws(
    () => tf.concat([a, c], 0),
    /Concat: tensors\[1\] has rank 3 \(shape \[2,3,1\]\) but tensors\[0\] has rank 2 \(shape \[2,3\]\)/,
  );
  assert.throws(
    () => tf.concat([a, d], 0),
    /Concat: tensors\[1\] is int32 \(shape \[2,3\]\) but tensors\[0\] is float32 \(shape \[2,3\]\)/,
  );
  assert.throws(() => tf.concat([a, a], 2), /Concat: axis 2 is out of range for tensors of rank 2/);
  assert.throws(() => tf.concat([a, a], -3), /Concat: axis -3 is out of range/);
  assert.is(tf.memory().numTensors, before);
  for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(() => tf.concat([a, a, tf.zeros([0, 3])], 0)));
  assert.is(tf.memory().numTensors, before);
  tf.dispose([a, b, c, d]);
});

test.run();
