// Losses, metrics, optimizers and regularizers for compile()/fit(), checked against tfjs-layers'
// own functions (the parity test trains with these) and against hand-computed values.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '../../src/index.js';
import * as losses from '../../src/keras/losses.js';
import * as metrics from '../../src/keras/metrics.js';
import * as optimizers from '../../src/keras/optimizers.js';
import * as regularizers from '../../src/keras/regularizers.js';

await tf.setBackend('as');

function close(a: tf.Tensor, b: tf.Tensor | number[], tol = 1e-5, what = '') {
  const x = a.dataSync(),
    y = b instanceof tf.Tensor ? b.dataSync() : Float32Array.from(b);
  assert.is(x.length, y.length, `${what}: length`);
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i]! - y[i]!) <= tol * Math.max(1, Math.abs(y[i]!))))
      assert.unreachable(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
  }
}

const probs = (shape: number[]) => tf.softmax(tf.randomNormal(shape, 0, 2, 'float32', 7));
const oneHot = (n: number, k: number) =>
  tf.cast(
    tf.oneHot(
      tf.tensor1d(
        Array.from({length: n}, (_, i) => (i * 7) % k),
        'int32',
      ),
      k,
    ),
    'float32',
  );

test('losses match tfjs-layers on random shapes (incl. batch 1, primes, saturated probabilities)', () => {
  for (const [n, k] of [
    [1, 2],
    [7, 3],
    [13, 10],
    [64, 5],
  ] as const) {
    tf.tidy(() => {
      const yPred = probs([n, k]),
        yTrue = oneHot(n, k);
      close(
        losses.categoricalCrossentropy(yTrue, yPred),
        tfl.metrics.categoricalCrossentropy(yTrue, yPred),
        1e-5,
        'cce',
      );
      const p = tf.sigmoid(tf.randomNormal([n, k], 0, 3, 'float32', 3)),
        t = tf.cast(tf.greater(tf.randomUniform([n, k], 0, 1, 'float32', 4), 0.5), 'float32');
      close(losses.binaryCrossentropy(t, p), tfl.metrics.binaryCrossentropy(t, p), 1e-5, 'bce');
      close(losses.meanSquaredError(yTrue, yPred), tfl.metrics.meanSquaredError(yTrue, yPred), 1e-6, 'mse');
      close(losses.meanAbsoluteError(yTrue, yPred), tfl.metrics.meanAbsoluteError(yTrue, yPred), 1e-6, 'mae');
      close(
        losses.meanAbsolutePercentageError(p, yPred),
        tfl.metrics.meanAbsolutePercentageError(p, yPred),
        1e-4,
        'mape',
      );
    });
  }
  // Saturated: p = 0 and p = 1 are clipped to [1e-7, 1 - 1e-7], never Inf.
  tf.tidy(() => {
    const v = losses
      .categoricalCrossentropy(
        tf.tensor2d([
          [1, 0],
          [0, 1],
        ]),
        tf.tensor2d([
          [0, 1],
          [0, 1],
        ]),
      )
      .dataSync();
    assert.ok(Math.abs(v[0]! - -Math.log(1e-7)) < 1e-2 && Math.abs(v[1]!) < 1e-6, `${v}`);
    const b = losses.binaryCrossentropy(tf.tensor2d([[1]]), tf.tensor2d([[0]])).dataSync();
    assert.ok(Number.isFinite(b[0]!) && b[0]! > 15, `${b}`);
  });
});

test('sparse categorical crossentropy equals categorical on the one-hot labels; labels [n] or [n,1]', () => {
  tf.tidy(() => {
    const yPred = probs([9, 4]);
    const labels = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3, 3], 'int32');
    const ref = losses.categoricalCrossentropy(tf.oneHot(labels, 4), yPred);
    close(losses.sparseCategoricalCrossentropy(labels, yPred), ref, 1e-6, 'sparse [n]');
    close(
      losses.sparseCategoricalCrossentropy(tf.reshape(tf.cast(labels, 'float32'), [9, 1]), yPred),
      ref,
      1e-6,
      'sparse [n,1]',
    );
  });
});

test('losses by every Keras spelling; unknown names list the known ones', () => {
  assert.is(losses.get('mse'), losses.meanSquaredError);
  assert.is(losses.get('mean_squared_error'), losses.meanSquaredError);
  assert.is(losses.get('MeanSquaredError'), losses.meanSquaredError);
  assert.is(losses.get('categorical_crossentropy'), losses.categoricalCrossentropy);
  assert.is(losses.get('sparseCategoricalCrossentropy'), losses.sparseCategoricalCrossentropy);
  assert.is(losses.get('binary_crossentropy'), losses.binaryCrossentropy);
  assert.is(losses.get('mae'), losses.meanAbsoluteError);
  const custom = (a: tf.Tensor, b: tf.Tensor) => tf.sub(a, b);
  assert.is(losses.get(custom), custom);
  assert.throws(
    // @ts-expect-error -- an unknown loss name is a type error too
    () => losses.get('categorical_crossentropyy'),
    /Unknown loss 'categorical_crossentropyy'.*categoricalCrossentropy/,
  );
  assert.throws(() => losses.get(3 as never), /must be a name or a function.*number/);
});

test('metrics: accuracies by hand, and what accuracy means for each loss', () => {
  tf.tidy(() => {
    const yTrue = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const yPred = tf.tensor2d([
      [0.8, 0.1, 0.1],
      [0.6, 0.3, 0.1],
      [0.1, 0.2, 0.7],
    ]);
    close(metrics.categoricalAccuracy(yTrue, yPred), [1, 0, 1]);
    close(metrics.sparseCategoricalAccuracy(tf.tensor1d([0, 1, 2]), yPred), [1, 0, 1]);
    close(metrics.binaryAccuracy(tf.tensor2d([[1], [0], [1]]), tf.tensor2d([[0.7], [0.2], [0.4]])), [1, 1, 0]);
    close(metrics.categoricalAccuracy(yTrue, yPred), tfl.metrics.categoricalAccuracy(yTrue, yPred));
  });
  assert.is(metrics.resolveMetric('accuracy', 'categoricalCrossentropy').fn, metrics.categoricalAccuracy);
  assert.is(metrics.resolveMetric('acc', 'sparse_categorical_crossentropy').fn, metrics.sparseCategoricalAccuracy);
  assert.is(metrics.resolveMetric('accuracy', 'binary_crossentropy').fn, metrics.binaryAccuracy);
  assert.is(metrics.resolveMetric('accuracy', 'mse', [null, 1]).fn, metrics.binaryAccuracy);
  assert.is(metrics.resolveMetric('acc').name, 'acc');
  assert.is(metrics.resolveMetric('mse').fn, losses.meanSquaredError);
  function myMetric(a: tf.Tensor, b: tf.Tensor) {
    return tf.sub(a, b);
  }
  assert.equal(metrics.resolveMetric(myMetric), {name: 'myMetric', fn: myMetric});
  // @ts-expect-error -- an unknown metric name is a type error too
  assert.throws(() => metrics.resolveMetric('f1'), /Unknown metric 'f1'/);
});

test("optimizers by name get Keras' defaults; a tf.Optimizer passes through; unknown names throw", () => {
  const lr = (o: tf.Optimizer) => (o as unknown as {learningRate: number}).learningRate;
  const cases: [optimizers.OptimizerName | optimizers.OptimizerClassName, unknown, number][] = [
    ['sgd', tf.SGDOptimizer, 0.01],
    ['adam', tf.AdamOptimizer, 0.001],
    ['rmsprop', tf.RMSPropOptimizer, 0.001],
    ['adagrad', tf.AdagradOptimizer, 0.001],
    ['adadelta', tf.AdadeltaOptimizer, 0.001],
    ['adamax', tf.AdamaxOptimizer, 0.001],
    ['RMSprop', tf.RMSPropOptimizer, 0.001],
    ['Adam', tf.AdamOptimizer, 0.001],
  ];
  for (const [name, cls, rate] of cases) {
    const o = optimizers.get(name);
    assert.ok(o instanceof (cls as typeof tf.Optimizer), name);
    assert.is(lr(o), rate, name);
    o.dispose();
  }
  assert.is((optimizers.get('adam') as unknown as {epsilon: number}).epsilon, 1e-7);
  const mine = tf.train.adam(0.05);
  assert.is(optimizers.get(mine), mine);
  assert.is(lr(optimizers.get('sgd', {learningRate: 0.5})), 0.5);
  assert.ok(optimizers.get('sgd', {momentum: 0.9}) instanceof tf.MomentumOptimizer);
  assert.throws(
    // @ts-expect-error -- an unknown optimizer name is a type error too
    () => optimizers.get('adamw'),
    /Unknown optimizer 'adamw'.*'sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax'/,
  );
});

test('regularizers: Keras and tfjs call forms, values, resolution of what a layer is given', () => {
  const w = tf.tensor2d([
    [1, -2],
    [3, -4],
  ]);
  const value = (f: (w: tf.Tensor) => tf.Tensor) => tf.tidy(() => f(w).dataSync()[0]!);
  assert.ok(Math.abs(value(regularizers.l2(0.01)) - 0.3) < 1e-6);
  assert.ok(Math.abs(value(regularizers.l2({l2: 0.01})) - 0.3) < 1e-6);
  assert.ok(Math.abs(value(regularizers.l2()) - 0.3) < 1e-6, 'Keras default 0.01');
  assert.ok(Math.abs(value(regularizers.l1(0.1)) - 1.0) < 1e-6);
  assert.ok(Math.abs(value(regularizers.l1({l1: 0.1})) - 1.0) < 1e-6);
  assert.ok(Math.abs(value(regularizers.l1l2({l1: 0.1, l2: 0.01})) - 1.3) < 1e-6);
  assert.ok(Math.abs(value(regularizers.l1l2(0.1, 0.01)) - 1.3) < 1e-6);
  assert.ok(Math.abs(value(regularizers.l1_l2(0.1, 0.01)) - 1.3) < 1e-6);
  assert.equal(regularizers.l2(0.5).getConfig(), {l1: 0, l2: 0.5});
  // Same value as tfjs-layers' regularizer.
  const ref = tfl.regularizers.l1l2({l1: 0.1, l2: 0.01});
  assert.ok(Math.abs(value(w => ref.apply(w)) - 1.3) < 1e-6);
  // What a layer may be given.
  assert.is(regularizers.get(null), null);
  assert.ok(Math.abs(value(regularizers.get('l2')!) - 0.3) < 1e-6);
  assert.ok(Math.abs(value(regularizers.get(ref)!) - 1.3) < 1e-6, 'a tfjs-layers Regularizer object');
  const custom = (x: tf.Tensor) => tf.sum(x);
  assert.is(regularizers.get(custom), custom);
  assert.throws(
    () => regularizers.get('l3' as never, "Dense 'd' kernelRegularizer"),
    /Dense 'd' kernelRegularizer: expected .*'l3'/,
  );
  assert.throws(() => regularizers.l2(-1), /regularizers.l2: the coefficient must be a finite number >= 0, got -1/);
  const before = tf.memory().numTensors;
  value(regularizers.l1l2(0.1, 0.2));
  assert.is(tf.memory().numTensors, before, 'no leak');
  w.dispose();
});

test.run();
