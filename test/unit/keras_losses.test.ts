// One formula per loss and one fuzz factor: K.binaryCrossentropy / K.categoricalCrossentropy are
// the elementwise/per-sample forms of losses.binaryCrossentropy / losses.categoricalCrossentropy,
// value for value (probabilities 0 and 1 included), and K.setEpsilon reaches the losses compile()
// resolved by name. Names resolve the same way everywhere (Keras' spellings).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {activations, input, K, layers, losses, metrics, Model, optimizers} from '../../src/keras/index.js';

await tf.setBackend('as');

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

function closeTo(actual: number[], expected: number[], tol: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => {
    if (!(Math.abs(v - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)))) {
      assert.unreachable(`${what}[${i}]: ${v}, expected ${expected[i]}`);
    }
  });
}

/** Runs `fn` with K.epsilon() set to `eps`, restoring the default after. */
function withEpsilon<T>(eps: number, fn: () => T): T {
  const before = K.epsilon();
  K.setEpsilon(eps);
  try {
    return fn();
  } finally {
    K.setEpsilon(before);
  }
}

test('K.binaryCrossentropy is losses.binaryCrossentropy before the mean, on 0 and 1 too', () => {
  tf.tidy(() => {
    // Predictions at the clip edges (0, 1) and inside; targets 0, 1 and soft.
    const yPred = tf.tensor2d([
      [0, 1, 0.3, 0.999],
      [1, 0, 0.5, 1e-9],
    ]);
    const yTrue = tf.tensor2d([
      [1, 0, 1, 0],
      [1, 0, 0.25, 1],
    ]);
    const elementwise = K.binaryCrossentropy(yTrue, yPred);
    assert.equal(elementwise.shape, [2, 4]);
    closeTo(values(tf.mean(elementwise, -1)), values(losses.binaryCrossentropy(yTrue, yPred)), 1e-6, 'K vs losses');
    // p = 0 with target 1 is clipped to eps: -log(eps), as Keras 2 and tfjs-layers give.
    closeTo([values(elementwise)[0]!], [-Math.log(1e-7)], 1e-4, 'clipped p = 0');
    // fromLogits: the same loss on the logit of the (unclipped) probability.
    const p = tf.tensor2d([[0.2, 0.7]]),
      z = tf.tensor2d([[0, 1]]);
    closeTo(
      values(K.binaryCrossentropy(z, tf.log(tf.div(p, tf.sub(1, p))), true)),
      values(K.binaryCrossentropy(z, p)),
      1e-5,
      'fromLogits',
    );
  });
});

test('K.categoricalCrossentropy is losses.categoricalCrossentropy, one-hot rows with 0 and 1', () => {
  tf.tidy(() => {
    const yPred = tf.tensor2d([
      [0, 1, 0],
      [0.2, 0.3, 0.5],
      [1, 0, 0],
    ]);
    const yTrue = tf.tensor2d([
      [1, 0, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]);
    closeTo(
      values(K.categoricalCrossentropy(yTrue, yPred)),
      values(losses.categoricalCrossentropy(yTrue, yPred)),
      1e-6,
      'K vs losses',
    );
    closeTo([values(K.categoricalCrossentropy(yTrue, yPred))[0]!], [-Math.log(1e-7)], 1e-4, 'clipped p = 0');
  });
});

test('K.setEpsilon reaches a compiled loss (a prediction of 0 for target 1 costs -log(eps))', () => {
  // The model outputs its input, so the prediction is exactly 0: the loss is all clipping.
  const inp = input({shape: [1]});
  const model = new Model({inputs: inp, outputs: layers.lambda(t => K.mul(t, 1)).apply(inp)});
  model.compile({optimizer: 'sgd', loss: 'binaryCrossentropy'});
  const x = tf.zeros([2, 1]),
    y = tf.ones([2, 1]);
  const loss = (): number => {
    const t = model.evaluate(x, y) as tf.Scalar;
    const v = t.dataSync()[0]!;
    t.dispose();
    return v;
  };
  try {
    closeTo([loss()], [-Math.log(1e-7)], 1e-4, 'default epsilon');
    closeTo([withEpsilon(1e-3, loss)], [-Math.log(1e-3)], 1e-4, 'epsilon 1e-3');
    // The other losses that clip read it as well.
    withEpsilon(1e-2, () =>
      tf.tidy(() => {
        closeTo(
          values(losses.meanAbsolutePercentageError(tf.zeros([1, 1]), tf.ones([1, 1]))),
          [100 / 1e-2],
          1e-4,
          'mape',
        );
        closeTo(
          values(losses.sparseCategoricalCrossentropy(tf.tensor1d([0]), tf.tensor2d([[0, 1]]))),
          [-Math.log(1e-2)],
          1e-4,
          'sparse',
        );
      }),
    );
    assert.is(K.epsilon(), 1e-7);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
});

test('K.setEpsilon rejects what would empty the clip range', () => {
  for (const bad of [0.5, -1, Number.NaN, '1e-3' as unknown as number]) {
    assert.throws(() => K.setEpsilon(bad), /K\.setEpsilon: expected a number in \[0, 0\.5\)/);
  }
  assert.is(K.epsilon(), 1e-7);
});

test('names resolve the same way everywhere: camelCase, snake_case, Keras class names, any case', () => {
  assert.is(losses.get('categorical_crossentropy'), losses.categoricalCrossentropy);
  assert.is(losses.get('CategoricalCrossentropy'), losses.categoricalCrossentropy);
  assert.is(metrics.get('categorical_accuracy'), metrics.categoricalAccuracy);
  assert.is(metrics.get('CategoricalAccuracy'), metrics.categoricalAccuracy);
  assert.is(activations.getActivation('leaky_relu').name, 'leakyRelu');
  // Any case works at run time (Keras' layer class name here); the types take Keras' spellings.
  assert.is(activations.getActivation('LeakyReLU' as activations.ActivationName).name, 'leakyRelu');
  const rms = optimizers.get('RMSprop');
  assert.ok(rms instanceof tf.RMSPropOptimizer);
  rms.dispose();
  // @ts-expect-error -- a misspelt loss fails to compile, and throws for untyped callers
  assert.throws(() => losses.get('categorical_crossentropyy'), /Unknown loss 'categorical_crossentropyy'/);
});

test.run();
