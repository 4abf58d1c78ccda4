// 'Add' on 'as' (assembly/add.ts for float32 same-shape and row-broadcast operands, else
// tfjs-backend-wasm's kernel): the same bits as tfjs-backend-cpu on every broadcasting case,
// NaN and infinities included, and nothing left behind.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/index.js';

await tf.setBackend('as');

function values(shape: number[], seed: number): Float32Array {
  const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = ((s >>> 8) / 2 ** 24 - 0.5) * 8;
  }
  if (data.length > 3) {
    data[1] = Number.NaN;
    data[2] = Number.POSITIVE_INFINITY;
    data[3] = Number.NEGATIVE_INFINITY;
  }
  return data;
}

async function addOn(backend: string, a: [number[], Float32Array], b: [number[], Float32Array]) {
  await tf.setBackend(backend);
  const [x, y] = [tf.tensor(a[1], a[0]), tf.tensor(b[1], b[0])];
  const z = tf.add(x, y);
  const out = {shape: z.shape, bits: new Uint32Array((z.dataSync() as Float32Array).slice().buffer)};
  tf.dispose([x, y, z]);
  return out;
}

const CASES: [number[], number[]][] = [
  [[7], [7]],
  [
    [3, 5],
    [3, 5],
  ],
  [
    [2, 3, 9],
    [2, 3, 9],
  ],
  [[4, 100], [100]],
  [[100], [4, 100]],
  [
    [1, 13],
    [6, 13],
  ],
  [
    [6, 13],
    [1, 1, 13],
  ],
  [[5, 1], [1]],
  [
    [2, 3, 4],
    [3, 4],
  ],
  [
    [3, 1],
    [1, 4],
  ],
  [[], []],
  [[0, 4], [4]],
  [[1], [3, 2]],
];

test('float32 Add matches tfjs-backend-cpu bit for bit on every broadcasting case', async () => {
  for (const [i, [sa, sb]] of CASES.entries()) {
    const a: [number[], Float32Array] = [sa, values(sa, 2 * i + 1)];
    const b: [number[], Float32Array] = [sb, values(sb, 2 * i + 2)];
    const ours = await addOn('as', a, b);
    const cpu = await addOn('cpu', a, b);
    assert.equal(ours.shape, cpu.shape, `[${sa}] + [${sb}]: shape`);
    assert.equal(ours.bits, cpu.bits, `[${sa}] + [${sb}]`);
  }
  await tf.setBackend('as');
});

test('int32 and complex Add still work; no tensor is left behind', () => {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    assert.equal(tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor2d([[3, 4]], [1, 2], 'int32')).arraySync(), [[4, 6]]);
    const c = tf.add(tf.complex([1, 2], [3, 4]), tf.complex([10], [20]));
    assert.equal(Array.from(tf.real(c).dataSync()), [11, 12]);
    assert.equal(Array.from(tf.imag(c).dataSync()), [23, 24]);
  });
  assert.is(tf.memory().numTensors, before);
});

test.run();
