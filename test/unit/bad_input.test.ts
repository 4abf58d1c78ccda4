// Inputs that used to be accepted silently: a dropout/randomBinomial seed that is not an integer,
// a denseConcat kernel with 0 rows or a null entry, addWeight with a shape that is not an array;
// and NaN during training (callbacks.terminateOnNaN, History.firstNonFinite).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {denseConcat, dropout, randomBinomial} from '../../src/index.js';
import {callbacks, input, Layer, layers, Model} from '../../src/keras/index.js';

await tf.setBackend('as');

test('dropout and randomBinomial: a seed must be an integer or a string', () => {
  const x = tf.ones([64]);
  const tensors = tf.memory().numTensors;
  for (const [seed, got] of [
    [Number.NaN, 'NaN'],
    [1.5, '1.5'],
    [Infinity, 'Infinity'],
    [2 ** 53, String(2 ** 53)],
    [{}, 'a Object'],
    [x, 'a Tensor'],
    [true, 'a boolean'],
  ] as const) {
    assert.throws(
      () => dropout(x, 0.5, {seed: seed as never}),
      new RegExp(
        `^dropout: seed must be an integer \\(\\|seed\\| < 2\\^53\\) or a string; got ${got.replace('.', '\\.')}$`,
      ),
      `dropout seed ${got}`,
    );
    assert.throws(
      () => dropout(x, 0, {seed: seed as never}),
      /dropout: seed must be/,
      `rate 0 checks the seed too (${got})`,
    );
    assert.throws(
      () => randomBinomial([4], 0.5, {seed: seed as never}),
      /^randomBinomial: seed must be an integer/,
      `randomBinomial seed ${got}`,
    );
  }
  assert.is(tf.memory().numTensors, tensors, 'nothing left behind');
  // Integers (negative too) and strings still work, and different seeds give different masks.
  const masks = [-3, 0, 7, 2 ** 40, 'a', 'b'].map(seed => Array.from(dropout(x, 0.5, {seed}).dataSync()).join());
  assert.is(new Set(masks).size, masks.length);
  assert.is(Array.from(dropout(x, 0.5, {seed: 7}).dataSync()).join(), masks[2]);
  assert.throws(
    () => layers.dropout({rate: 0.5, seed: 0.5}),
    /Layer 'dropout(_\d+)?' \(Dropout\): seed must be an integer, got 0.5/,
  );
  x.dispose();
});

test('denseConcat: a kernel of 0 rows contributes its bias, as tf.fused.matMul does, in values and gradients', async () => {
  const xs = [
    tf.ones([3, 0]),
    tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]),
  ];
  const ws = [tf.zeros([0, 2]), tf.tensor2d([[1], [-1]])];
  const bs = [tf.tensor1d([5, -7]), tf.tensor1d([0.5])];
  for (const activation of ['linear', 'relu'] as const) {
    const got = denseConcat(xs, ws, bs, {activation});
    const want =
      activation === 'relu'
        ? [
            [5, 0, 0],
            [5, 0, 0],
            [5, 0, 0],
          ]
        : [
            [5, -7, -0.5],
            [5, -7, -0.5],
            [5, -7, -0.5],
          ];
    assert.equal(got.shape, [3, 3]);
    assert.equal(await got.array(), want, activation);
    got.dispose();
  }
  // The same as tf.fused.matMul on cpu, for a 0-row kernel alone.
  const ours = denseConcat([xs[0]!], [ws[0]!], [bs[0]!]);
  await tf.setBackend('cpu');
  const ref = tf.fused.matMul({a: tf.ones([3, 0]), b: tf.zeros([0, 2]), bias: tf.tensor1d([5, -7])});
  const refValues = await ref.array();
  await tf.setBackend('as');
  assert.equal(await ours.array(), refValues);
  // Gradients: empty for the 0-row pieces, the usual ones for the bias and the other input.
  const grads = tf.grads((x0: tf.Tensor, w0: tf.Tensor, b0: tf.Tensor) =>
    denseConcat([x0, xs[1]!], [w0, ws[1]!], [b0, bs[1]!]),
  )([xs[0]!, ws[0]!, bs[0]!]);
  assert.equal(
    grads.map(g => g.shape),
    [[3, 0], [0, 2], [2]],
  );
  assert.equal(Array.from(grads[2]!.dataSync()), [3, 3]);
  tf.dispose([...xs, ...ws, ...bs, ours, ...grads]);
});

test('denseConcat: null or non-tensor entries are named', () => {
  const x = tf.ones([2, 3]),
    w = tf.ones([3, 2]),
    b = tf.ones([2]);
  assert.throws(
    () => denseConcat([x], [null as never], [b]),
    /^denseConcat: kernels\[0\] must be a float32 tensor; got null$/,
  );
  assert.throws(
    () => denseConcat([x, x], [w, undefined as never]),
    /^denseConcat: kernels\[1\] must be a float32 tensor; got undefined$/,
  );
  assert.throws(() => denseConcat([null as never], [w]), /^denseConcat: xs\[0\] must be a float32 tensor; got null$/);
  assert.throws(
    () => denseConcat([x], [w], [[1, 2] as never]),
    /^denseConcat: biases\[0\] must be a float32 tensor or null; got object$/,
  );
  assert.throws(
    () => denseConcat([x], [w], b as never),
    /^denseConcat: biases must be an array with one entry \(a tensor or null\) per input; got a tensor of shape \[2\]$/,
  );
  tf.dispose([x, w, b]);
});

test('addWeight: a shape that is not an array of non-negative integers, or an unknown dtype, is named', () => {
  const cases: [unknown, unknown, RegExp][] = [
    [
      3,
      undefined,
      /addWeight 'w': shape must be an array of non-negative integers \(e.g. \[inputDim, units\]\); got number 3$/,
    ],
    [null, undefined, /got null$/],
    [[2, 1.5], undefined, /got \[2,1\.5\]$/],
    [[2, -1], undefined, /got \[2,-1\]$/],
    [[2, 2], 'float64', /addWeight 'w': dtype must be 'float32', 'int32' or 'bool'; got "float64"$/],
  ];
  for (const [shape, dtype, pattern] of cases) {
    class Bad extends Layer {
      override build() {
        this.addWeight('w', shape as number[], {dtype: dtype as 'float32'});
      }
      override call(x: tf.Tensor) {
        return x;
      }
    }
    const tensors = tf.memory().numTensors;
    const x = tf.ones([2, 2]);
    assert.throws(() => new Bad({name: 'bad'}).apply(x), pattern);
    x.dispose();
    assert.is(tf.memory().numTensors, tensors);
  }
});

function nanModel(): Model {
  const x = input({shape: [2]});
  const m = new Model({inputs: x, outputs: layers.dense({units: 1, kernelInitializer: 'ones'}).apply(x)});
  m.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  return m;
}
const x = tf.tensor2d([
  [1, 2],
  [3, 4],
  [5, 6],
  [7, 8],
  [1, 1],
  [2, 2],
  [0, 1],
  [1, 0],
]);

test('fit: History.firstNonFinite is the first batch whose loss is NaN or Infinity (found without per-batch reads)', async () => {
  for (const [bad, where] of [
    [NaN, {epoch: 0, batch: 2}],
    [Infinity, {epoch: 0, batch: 2}],
  ] as const) {
    const y = tf.tensor2d([[1], [2], [3], [4], [bad], [1], [1], [1]]);
    const m = nanModel();
    const h = await m.fit(x, y, {batchSize: 2, epochs: 2, shuffle: false, verbose: 0});
    assert.equal(h.firstNonFinite, where, `target ${bad}`);
    assert.ok(!Number.isFinite(h.loss![0]!));
    m.dispose();
    y.dispose();
  }
  // The steps' totals are folded 64 at a time: a bad batch in the second fold (and at its edge)
  // is found too, in the epoch where it happens.
  const xs = tf.ones([150, 2]);
  for (const batch of [63, 64, 70, 149]) {
    const y = tf.tidy(() =>
      tf.reshape(tf.where(tf.equal(tf.range(0, 150), batch), tf.fill([150], NaN), tf.ones([150])), [150, 1]),
    );
    const m = nanModel();
    const h = await m.fit(xs, y, {batchSize: 1, epochs: 1, shuffle: false, verbose: 0});
    assert.equal(h.firstNonFinite, {epoch: 0, batch}, `NaN target at batch ${batch}`);
    m.dispose();
    y.dispose();
  }
  xs.dispose();
  // Finite losses: null. The count of tensors is the same after fit as before.
  const y = tf.ones([8, 1]);
  const m = nanModel();
  const tensors = tf.memory().numTensors;
  const h = await m.fit(x, y, {batchSize: 2, epochs: 2, verbose: 0});
  assert.is(h.firstNonFinite, null);
  assert.is(tf.memory().numTensors, tensors);
  m.dispose();
  y.dispose();
});

test("callbacks.terminateOnNaN ends fit after the first non-finite batch, with Keras' message", async () => {
  const y = tf.tensor2d([[1], [2], [3], [4], [NaN], [1], [1], [1]]);
  const m = nanModel();
  const stop = callbacks.terminateOnNaN();
  const seen: number[] = [];
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.join(' '));
  };
  let h: Awaited<ReturnType<Model['fit']>> | undefined;
  try {
    h = await m.fit(x, y, {
      batchSize: 2,
      epochs: 3,
      shuffle: false,
      verbose: 0,
      callbacks: [
        stop,
        {
          onBatchEnd: b => {
            seen.push(b);
          },
        },
      ],
    });
  } finally {
    console.log = log;
  }
  assert.equal(seen, [0, 1, 2], 'batches after the NaN did not run');
  assert.equal(lines, ['Batch 2: Invalid loss, terminating training']);
  assert.equal(stop.stoppedAt, {epoch: 0, batch: 2});
  assert.equal(h!.firstNonFinite, {epoch: 0, batch: 2});
  assert.is(h!.epoch.length, 1, 'the epoch ended, no other began');
  assert.ok(stop instanceof callbacks.TerminateOnNaN);
  m.dispose();
  y.dispose();
});

test.run();
