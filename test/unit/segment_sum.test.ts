// UnsortedSegmentSum on 'as' (assembly/segment.ts) against tfjs-backend-cpu on every variant:
// random shapes (1, primes, non-multiples of 4, zero-size, large), float32 and int32, ids out of
// range (dropped, as on cpu), NaN/Inf (only their own segment), tf.gather's gradient, bad input.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {setKernelVariant} from '../../src/index.js';
import {seededRandom, VARIANTS} from './variants.js';

const rand = seededRandom(777);
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

interface Case {
  xShape: number[];
  ids: number[];
  x: number[];
  numSegments: number;
  dtype: 'float32' | 'int32';
}

function run(c: Case) {
  return tf.tidy(() => {
    const y = tf.unsortedSegmentSum(tf.tensor(c.x, c.xShape, c.dtype), tf.tensor1d(c.ids, 'int32'), c.numSegments);
    return {shape: y.shape, data: Array.from(y.dataSync())};
  });
}

function randomCase(): Case {
  const rows = [0, 1, 2, 3, 5, 7, 13, 64, 257][randInt(0, 8)]!;
  const inner = [[], [1], [3], [4], [5], [8], [17], [2, 3], [33]][randInt(0, 8)]!;
  const numSegments = [0, 1, 2, 3, 7, 50][randInt(0, 5)]!;
  const dtype = rand() < 0.3 ? 'int32' : 'float32';
  const n = rows * inner.reduce((a, b) => a * b, 1);
  // About one id in ten is out of range (negative or >= numSegments): those rows are dropped.
  const ids = Array.from({length: rows}, () =>
    rand() < 0.1 ? [-1, -5, numSegments, numSegments + 3][randInt(0, 3)]! : randInt(0, Math.max(0, numSegments - 1)),
  );
  const x = Array.from({length: n}, () => (dtype === 'int32' ? randInt(-1000, 1000) : (rand() - 0.5) * 10));
  return {xShape: [rows, ...inner], ids, x, numSegments, dtype};
}

/** TensorFlow's definition: each in-range row added into its segment (float64 sums, rounded once). */
function reference(c: Case): number[] {
  const inner = c.xShape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Array(c.numSegments * inner).fill(0);
  c.ids.forEach((s, r) => {
    if (s < 0 || s >= c.numSegments) return;
    for (let j = 0; j < inner; j++) out[s * inner + j] += c.x[r * inner + j]!;
  });
  return c.dtype === 'int32' ? out.map(v => v | 0) : out.map(Math.fround);
}

function close(got: number[], want: number[], label: string) {
  assert.is(got.length, want.length, label);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!,
      w = want[i]!;
    if (!(Object.is(g, w) || Math.abs(g - w) <= 1e-4 * (1 + Math.abs(w))))
      assert.unreachable(`${label}: [${i}] = ${g}, cpu ${w}`);
  }
}

for (const variant of VARIANTS) {
  test(`${variant}: random shapes, dtypes, out-of-range ids: as equals cpu`, async () => {
    await setKernelVariant(variant);
    for (let trial = 0; trial < 120; trial++) {
      const c = randomCase();
      await tf.setBackend('as');
      const got = run(c);
      const label = `trial ${trial}: x [${c.xShape}] ${c.dtype}, ${c.numSegments} segments`;
      assert.equal(got.shape, [c.numSegments, ...c.xShape.slice(1)], label);
      close(got.data, reference(c), label);
      // tfjs-backend-cpu packs one tensor per segment: it cannot make 0 segments.
      if (c.numSegments === 0) continue;
      await tf.setBackend('cpu');
      const want = run(c);
      assert.equal(got.shape, want.shape, label);
      close(got.data, want.data, label);
    }
  });

  test(`${variant}: a large embedding gradient (10000 rows of 64 into 1000 segments)`, async () => {
    await setKernelVariant(variant);
    const rows = 10000,
      width = 64,
      segments = 1000;
    const ids = Array.from({length: rows}, () => randInt(0, segments - 1));
    const x = Array.from({length: rows * width}, () => rand() - 0.5);
    const c: Case = {xShape: [rows, width], ids, x, numSegments: segments, dtype: 'float32'};
    // Against the reference: tfjs-backend-cpu takes minutes here (one masked sum per segment).
    await tf.setBackend('as');
    close(run(c).data, reference(c), 'large');
  });
}

test('ids out of range are dropped, exactly as on cpu', async () => {
  await tf.setBackend('as');
  const y = tf.unsortedSegmentSum(
    tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]),
    tf.tensor1d([0, 5, 1, -1], 'int32'),
    3,
  );
  assert.equal(Array.from(y.dataSync()), [1, 2, 5, 6, 0, 0]);
  await tf.setBackend('cpu');
  const z = tf.unsortedSegmentSum(
    tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]),
    tf.tensor1d([0, 5, 1, -1], 'int32'),
    3,
  );
  assert.equal(Array.from(z.dataSync()), [1, 2, 5, 6, 0, 0]);
  tf.dispose([y, z]);
});

test('NaN and Inf reach only their own segment (cpu multiplies by a 0/1 mask, so 0 * NaN reaches every one)', async () => {
  await tf.setBackend('as');
  const y = tf.unsortedSegmentSum(tf.tensor1d([1, NaN, 3, Infinity, 5]), tf.tensor1d([0, 1, 0, 2, 3], 'int32'), 4);
  assert.equal(Array.from(y.dataSync()), [4, NaN, Infinity, 5]);
  y.dispose();
});

test('int32 sums stay int32 and exact; a zero-size output allocates nothing wrong', async () => {
  await tf.setBackend('as');
  const y = tf.unsortedSegmentSum(tf.tensor1d([2 ** 30, 2 ** 30, 7], 'int32'), tf.tensor1d([0, 0, 1], 'int32'), 2);
  assert.is(y.dtype, 'int32');
  assert.equal(Array.from(y.dataSync()), [-(2 ** 31), 7]);
  const empty = tf.unsortedSegmentSum(tf.zeros([0, 3]), tf.tensor1d([], 'int32'), 4);
  assert.equal(empty.shape, [4, 3]);
  assert.equal(Array.from(empty.dataSync()), new Array(12).fill(0));
  tf.dispose([y, empty]);
});

test("tf.gather's gradient (Embedding training) equals cpu's, with repeated indices", async () => {
  const table = Array.from({length: 50 * 8}, () => rand());
  const indices = Array.from({length: 300}, () => randInt(0, 49));
  const dyValues = Array.from({length: 300 * 8}, () => rand() - 0.5);
  const grad = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const g = tf.grad((p: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(p, tf.tensor1d(indices, 'int32')), tf.tensor2d(dyValues, [300, 8]))),
      );
      return Array.from(g(tf.tensor2d(table, [50, 8])).dataSync());
    });
  };
  close(await grad('as'), await grad('cpu'), 'gather gradient');
});

test('bad input: ids that are not a prefix of x; no tensors leak', async () => {
  await tf.setBackend('as');
  const before = tf.memory().numTensors;
  const x = tf.ones([3, 2]),
    ids = tf.tensor1d([0, 1], 'int32');
  assert.throws(() => tf.unsortedSegmentSum(x, ids, 2), /prefix/);
  tf.dispose([x, ids]);
  assert.is(tf.memory().numTensors, before);
});

test.run();
